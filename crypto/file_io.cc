// crypto: private files written atomically, and bounded reads (POSIX).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "crypto/key_file_internal.h"

namespace pactum::crypto {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return Error{Errc::kIo, what + " " + path + ": " + std::strerror(errno)};
}

// Closes a descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error close(2) may carry for written data.
  bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_ = -1;
};

Result<void> write_all(int fd, ByteSpan data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(io_error("cannot write", path));
    done += static_cast<std::size_t>(n);
  }
  return Ok();
}

Result<void> write_and_sync(const std::string& tmp, ByteSpan data) {
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Fail(io_error("cannot create", tmp));
  // The umask can only clear bits of 0600; fchmod states the intent anyway.
  if (::fchmod(fd.get(), 0600) != 0) return Fail(io_error("cannot chmod", tmp));
  PACTUM_CHECK(write_all(fd.get(), data, tmp));
  if (::fsync(fd.get()) != 0) return Fail(io_error("cannot fsync", tmp));
  if (!fd.close()) return Fail(io_error("cannot close", tmp));
  return Ok();
}

// Makes the rename durable: the directory entry lives in the directory.
Result<void> sync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(io_error("cannot open directory", dir));
  if (::fsync(fd.get()) != 0) return Fail(io_error("cannot fsync directory", dir));
  return Ok();
}

}  // namespace

Result<void> write_file_atomic_private(const std::string& path, ByteSpan data) {
  const std::filesystem::path target(path);
  const std::string dir =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  std::array<std::uint8_t, 8> tag{};
  random_bytes(tag);
  const std::string tmp = path + ".tmp-" + to_hex(tag);
  Result<void> written = write_and_sync(tmp, data);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0)
    written = Fail(io_error("cannot rename onto", path));
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  return sync_dir(dir);
}

Result<Bytes> read_small_file(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(io_error("cannot open", path));
  Bytes out(max_bytes + 1);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(io_error("cannot read", path));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

}  // namespace pactum::crypto
