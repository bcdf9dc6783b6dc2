// crypto (internal): a fixed-size buffer in sodium_malloc memory for short-lived
// secrets (derived keys, decrypted seeds). Resource type: not copyable or
// movable; wiped by sodium_free on destruction.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "base/base.h"

namespace pactum::crypto {

template <std::size_t N>
class SecureBuffer {
 public:
  SecureBuffer() : data_(static_cast<std::uint8_t*>(sodium_malloc(N))) {
    if (data_ == nullptr) {  // Out of memory for a few pages: nothing sensible is left.
      std::fprintf(stderr, "pactum: sodium_malloc failed\n");
      std::abort();
    }
  }
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  ~SecureBuffer() { sodium_free(data_); }

  std::uint8_t* data() { return data_; }
  ByteSpan span() const { return ByteSpan(data_, N); }
  static constexpr std::size_t size() { return N; }

 private:
  std::uint8_t* data_ = nullptr;  // Owned; N bytes.
};

}  // namespace pactum::crypto
