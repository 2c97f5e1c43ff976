#include "common/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cases {
namespace {

// Decodes one code point at text[*i]; -1 when the bytes are not UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
int32_t DecodeOne(absl::string_view text, size_t* i) {
  const auto b0 = static_cast<unsigned char>(text[*i]);
  int len = 0;
  int32_t cp = 0;
  if (b0 < 0x80) {
    ++*i;
    return b0;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return -1;
  }
  if (*i + len > text.size()) {
    return -1;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[*i + k]);
    if ((b & 0xc0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return -1;
  }
  *i += len;
  return cp;
}

bool IsNamePunctuation(int32_t cp) {
  switch (cp) {
    case ' ':
    case '.':
    case ',':
    case '-':
    case '_':
    case ':':
    case '(':
    case ')':
    case '\'':
    case '!':
    case '?':
      return true;
    default:
      return false;
  }
}

// Letters and digits: ASCII alphanumerics, and non-ASCII code points outside the
// Latin-1 symbol range, general punctuation, symbols and private use — names in
// other scripts pass, markup and control characters do not.
bool IsNameLetter(int32_t cp) {
  if (cp < 0x80) {
    return absl::ascii_isalnum(static_cast<unsigned char>(cp));
  }
  if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7) {
    return false;  // Latin-1 controls and symbols, × and ÷
  }
  if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
      (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
      (cp >= 0xfff0 && cp <= 0xffff) || cp >= 0x1f000) {
    return false;  // punctuation, symbols, arrows, emoji, private use, specials
  }
  return true;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (DecodeOne(text, &i) < 0) {
      return false;
    }
  }
  return true;
}

size_t Utf8Length(absl::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++n) {
    if (DecodeOne(text, &i) < 0) {
      ++i;
    }
  }
  return n;
}

void CheckDisplayName(Violations& v, const std::string& field, absl::string_view value) {
  if (value.empty()) {
    v.Add(field, "required");
    return;
  }
  if (!IsValidUtf8(value)) {
    v.Add(field, "must be valid UTF-8");
    return;
  }
  if (Utf8Length(value) > kMaxDisplayNameChars) {
    v.Add(field, absl::StrCat("at most ", kMaxDisplayNameChars, " characters"));
    return;
  }
  if (value.front() == ' ' || value.back() == ' ') {
    v.Add(field, "must not start or end with a space");
    return;
  }
  for (size_t i = 0; i < value.size();) {
    const int32_t cp = DecodeOne(value, &i);
    if (!IsNameLetter(cp) && !IsNamePunctuation(cp)) {
      v.Add(field,
            "only letters, digits, spaces and the punctuation . , - _ : ( ) ' ! ? are allowed");
      return;
    }
  }
}

std::string ToDisplayName(absl::string_view text) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && chars < kMaxDisplayNameChars; ++chars) {
    const size_t start = i;
    const int32_t cp = DecodeOne(text, &i);
    if (cp < 0) {
      ++i;  // an invalid byte: replaced like a refused character
    }
    if (cp >= 0 && (IsNameLetter(cp) || IsNamePunctuation(cp))) {
      absl::StrAppend(&out, text.substr(start, i - start));
    } else {
      out.push_back('-');
    }
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

void CheckText(Violations& v, const std::string& field, absl::string_view value, size_t max_bytes,
               bool required) {
  if (required && value.empty()) {
    v.Add(field, "required");
  } else if (value.size() > max_bytes) {
    v.Add(field, absl::StrCat("at most ", max_bytes, " bytes"));
  } else if (!IsValidUtf8(value)) {
    v.Add(field, "must be valid UTF-8");
  }
}

void CheckRequestId(Violations& v, const std::string& field, absl::string_view value) {
  if (value.empty()) {
    return;
  }
  if (value.size() > kMaxRequestIdChars) {
    v.Add(field, absl::StrCat("at most ", kMaxRequestIdChars, " characters"));
    return;
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      v.Add(field, "only letters, digits, - and _");
      return;
    }
  }
}

int CheckPageSize(Violations& v, const std::string& field, int page_size) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    v.Add(field, absl::StrCat("must be between 0 and ", kMaxPageSize));
    return kDefaultPageSize;
  }
  return page_size == 0 ? kDefaultPageSize : page_size;
}

}  // namespace cases
