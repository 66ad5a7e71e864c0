#include "mmlu/results/hdf5_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mmlu::hdf5 {

void check(herr_t status, const std::string& what) {
  if (status < 0) throw Error("HDF5: cannot " + what);
}

void silence_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Handle string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type");
  check(H5Tset_size(type, H5T_VARIABLE), "size a string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "set UTF-8");
  return type;
}

namespace {

// File access properties that hold a file in memory, grown 1 MiB at a time, with no backing
// store: the image is ours to write. -1 when HDF5 cannot make them.
hid_t in_memory_access() {
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  if (access >= 0 && H5Pset_fapl_core(access, 1 << 20, 0) < 0) {
    H5Pclose(access);
    return -1;
  }
  return access;
}

}  // namespace

MemoryFile::MemoryFile(const std::string& name)
    : access_(in_memory_access(), H5Pclose, "hold a file in memory"),
      file_(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access_), H5Fclose,
            "create " + name) {}

std::string MemoryFile::image() {
  check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush a file");
  const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
  if (size < 0) throw Error("HDF5: cannot read a file's image");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file_, bytes.data(), bytes.size()) != size)
    throw Error("HDF5: cannot read a file's image");
  file_.close("close a file");
  return bytes;
}

Handle create_group(hid_t where, const std::string& name) {
  return Handle(H5Gcreate2(where, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "create group " + name);
}

void write_text_attribute(hid_t where, const std::string& name, const std::string& value) {
  Handle type = string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
  Handle attr(H5Acreate2(where, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              "create attribute " + name);
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), "write attribute " + name);
}

void write_number_attribute(hid_t where, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
  Handle attr(H5Acreate2(where, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose, "create attribute " + name);
  check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), "write attribute " + name);
}

void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  Handle type = string_type();
  write_column(group, name, type, pointers);
}

}  // namespace mmlu::hdf5

namespace mmlu {

void publish_file(const std::filesystem::path& tmp, const std::filesystem::path& out) {
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(tmp.string() + ": cannot be flushed to disk (" + std::strerror(errno) + ")");
  }
  ::close(fd);
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) throw Error(out.string() + ": cannot be renamed into place (" + ec.message() + ")");
}

}  // namespace mmlu
