#pragma once
// Shared by the tests of every reader that must refuse a FIFO without opening it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "mmlu/util/error.hpp"

namespace mmlu {

// Runs `load`, which must refuse `fifo` (a named pipe) without opening it: open() on a FIFO waits
// for a writer. A thread plays that writer, so a regression fails here instead of hanging, and
// records that the pipe was opened.
template <class Load>
std::string refusal_of_fifo(const std::filesystem::path& fifo, Load load) {
  if (::mkfifo(fifo.c_str(), 0600) != 0) {
    ADD_FAILURE() << "mkfifo " << fifo;
    return "";
  }
  std::atomic<bool> done{false}, opened{false};
  std::thread writer([&] {
    while (!done) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) {
        opened = true;
        ::close(fd);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::string why;
  try {
    load();
  } catch (const InputError& e) {
    why = e.what();
  }
  done = true;
  writer.join();
  EXPECT_FALSE(opened) << fifo << " was opened";
  return why;
}

}  // namespace mmlu
