#include "common/ids.h"

#include <cstdint>

#include "absl/random/random.h"

namespace cases {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

bool IsDashPosition(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::string NewIdBytes(absl::Time now) {
  thread_local absl::BitGen gen;
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  const uint64_t rand_a = absl::Uniform<uint64_t>(gen);
  const uint64_t rand_b = absl::Uniform<uint64_t>(gen);
  std::string out(16, '\0');
  for (int i = 0; i < 6; ++i) {
    out[i] = static_cast<char>((ms >> (8 * (5 - i))) & 0xff);
  }
  out[6] = static_cast<char>(0x70 | (rand_a & 0x0f));  // version 7
  out[7] = static_cast<char>((rand_a >> 8) & 0xff);
  out[8] = static_cast<char>(0x80 | (rand_b & 0x3f));  // RFC 4122 variant
  for (int i = 9; i < 16; ++i) {
    out[i] = static_cast<char>((rand_b >> (8 * (i - 8))) & 0xff);
  }
  return out;
}

std::string IdToText(absl::string_view bytes) {
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    const auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> IdFromText(absl::string_view text) {
  if (text.size() != 36) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(16);
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsDashPosition(i)) {
      if (text[i] != '-') {
        return std::nullopt;
      }
      continue;
    }
    const int v = HexValue(text[i]);
    if (v < 0) {
      return std::nullopt;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>((high << 4) | v));
      high = -1;
    }
  }
  return out;
}

std::string IdFloor(absl::Time t) {
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(t));
  std::string out(16, '\0');
  for (int i = 0; i < 6; ++i) {
    out[i] = static_cast<char>((ms >> (8 * (5 - i))) & 0xff);
  }
  return out;
}

}  // namespace cases
