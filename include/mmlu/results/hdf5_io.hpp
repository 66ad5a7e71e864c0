#pragma once
// The few HDF5 C API pieces our files need: owned identifiers, attributes, 1-D and 2-D columns,
// and publishing a finished file (flushed to disk, then renamed into place).
#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

#include "mmlu/util/error.hpp"

namespace mmlu::hdf5 {

// One HDF5 identifier, closed by the function that matches its kind.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw Error("HDF5: cannot " + what);
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }
  // Closes now and reports failure (a file's close is where its last writes happen).
  void close(const std::string& what) {
    const herr_t status = close_(id_);
    id_ = -1;
    if (status < 0) throw Error("HDF5: cannot " + what);
  }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what);

// HDF5 prints its error stack to stderr by default; ours carry the context instead.
void silence_errors();

// Variable-length UTF-8 strings.
Handle string_type();

// A new HDF5 file built in memory (the core driver, no backing store): HDF5 never writes to disk
// itself. Our own write of its image then fails on a full or size-limited disk with the system's
// reason, where HDF5 failing to close a file on disk left it open, and its exit-time cleanup
// crashed on it.
class MemoryFile {
 public:
  // `name` names the file in HDF5's errors only; nothing is created there.
  explicit MemoryFile(const std::string& name);
  operator hid_t() const { return file_; }
  // Flushes and closes the file; returns its bytes.
  std::string image();

 private:
  Handle access_;
  Handle file_;
};

// A group in a file, errors naming what failed.
Handle create_group(hid_t where, const std::string& name);

void write_text_attribute(hid_t where, const std::string& name, const std::string& value);
void write_number_attribute(hid_t where, const std::string& name, double value);

// `values` as a column of values.size() / width rows (a 2-D dataset when width > 1).
template <class T>
void write_column(hid_t group, const std::string& name, hid_t type, const std::vector<T>& values,
                  hsize_t width = 1) {
  const hsize_t dims[2] = {static_cast<hsize_t>(values.size()) / width, width};
  Handle space(H5Screate_simple(width == 1 ? 1 : 2, dims, nullptr), H5Sclose,
               "make the space of " + name);
  Handle set(H5Dcreate2(group, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "create dataset " + name);
  if (!values.empty())
    check(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write " + name);
}

void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values);

}  // namespace mmlu::hdf5

namespace mmlu {

// Makes a finished `tmp` durable, then renames it over `out`: a crash leaves the old file or the
// whole new one, never a part. Throws Error naming the file.
void publish_file(const std::filesystem::path& tmp, const std::filesystem::path& out);

// Calls write(OUT.tmp), then publishes it as `out`; on any failure OUT.tmp is removed and the
// error passed on, so nothing is left behind. `write` fills OUT.tmp with write_new_file.
template <class Write>
void write_atomically(const std::filesystem::path& out, Write&& write) {
  const std::filesystem::path tmp = out.string() + ".tmp";
  try {
    write(tmp);
    publish_file(tmp, out);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace mmlu
