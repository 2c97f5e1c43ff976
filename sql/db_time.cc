#include "sql/db_time.h"

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"

namespace cases::sql {
namespace {

// Every DATETIME(6) column crosses this conversion on each row read and each bind,
// so the fixed layout is handled with integer arithmetic; absl's strptime-style
// parser and formatter (a time zone lookup and a format walk per value) were a
// tenth of a ListCases page's CPU. Anything outside the layout goes to absl.
constexpr absl::CivilSecond kEpoch(1970, 1, 1, 0, 0, 0);

// The `n` digits at `s`, or -1 when one of them is not a digit.
int Digits(const char* s, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) {
      return -1;
    }
    v = v * 10 + static_cast<int>(d);
  }
  return v;
}

void PutDigits(int64_t v, int n, char* out) {
  for (int i = n - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

absl::Time ParseDbTimeSlow(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", std::string(text), absl::UTCTimeZone(), &t, &err)) {
    return absl::InfinitePast();
  }
  return t;
}

}  // namespace

std::string FormatDbTime(absl::Time t) {
  const auto [seconds, fraction] = UnixSecondsAndMicros(t);
  const absl::CivilSecond c = kEpoch + seconds;
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture() || c.year() < 1000 ||
      c.year() > 9999) {
    return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());  // absl pads no year
  }
  std::string out = "0000-00-00 00:00:00.000000";
  PutDigits(c.year(), 4, &out[0]);
  PutDigits(c.month(), 2, &out[5]);
  PutDigits(c.day(), 2, &out[8]);
  PutDigits(c.hour(), 2, &out[11]);
  PutDigits(c.minute(), 2, &out[14]);
  PutDigits(c.second(), 2, &out[17]);
  PutDigits(fraction, 6, &out[20]);
  return out;
}

absl::Time ParseDbTime(absl::string_view text) {
  // "YYYY-MM-DD HH:MM:SS", then an optional "." and 1 to 9 digits of a second.
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':') {
    return ParseDbTimeSlow(text);
  }
  const char* s = text.data();
  const int year = Digits(s, 4), month = Digits(s + 5, 2), day = Digits(s + 8, 2);
  const int hour = Digits(s + 11, 2), minute = Digits(s + 14, 2), second = Digits(s + 17, 2);
  int64_t nanos = 0;
  if (text.size() > 19) {
    const size_t digits = text.size() - 20;
    const int fraction = text[19] == '.' && digits >= 1 && digits <= 9
                             ? Digits(s + 20, static_cast<int>(digits))
                             : -1;
    if (fraction < 0) {
      return ParseDbTimeSlow(text);
    }
    nanos = fraction;
    for (size_t i = digits; i < 9; ++i) {
      nanos *= 10;
    }
  }
  const absl::CivilSecond c(year, month, day, hour, minute, second);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0 ||
      c.month() != month || c.day() != day || c.hour() != hour || c.minute() != minute ||
      c.second() != second) {
    return ParseDbTimeSlow(text);  // not a real date: absl decides, as before
  }
  return absl::FromUnixSeconds(c - kEpoch) + absl::Nanoseconds(nanos);
}

absl::Time DbNow() { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }

absl::Time NoDeadline() {
  return absl::FromCivil(absl::CivilSecond(9999, 12, 31, 0, 0, 0), absl::UTCTimeZone());
}

}  // namespace cases::sql
