// A log-linear latency histogram in the manner of HdrHistogram: 64 linear
// sub-buckets per power of two of microseconds, so every recorded value is kept
// within ~1.6 % — enough for p50/p99/p999 — in a fixed 4 KiB-ish array.
#ifndef CASES_BENCH_HISTOGRAM_H_
#define CASES_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace cases::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 40 * kSub;

  void Record(int64_t micros) {
    ++counts_[Index(micros < 1 ? 1 : micros)];
    ++total_;
  }
  void Merge(const LatencyHistogram& other) {
    for (int i = 0; i < kBuckets; ++i) {
      counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
  }
  int64_t count() const { return total_; }
  // The value (µs) at quantile q in [0, 1].
  double Percentile(double q) const {
    if (total_ == 0) {
      return 0;
    }
    const int64_t rank = static_cast<int64_t>(q * static_cast<double>(total_ - 1)) + 1;
    int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return Midpoint(i);
      }
    }
    return Midpoint(kBuckets - 1);
  }

 private:
  static int Index(int64_t v) {
    const int msb = 63 - __builtin_clzll(static_cast<uint64_t>(v));
    if (msb < kSubBits) {
      return static_cast<int>(v);
    }
    const int shift = msb - kSubBits;
    const int index = (shift + 1) * kSub + static_cast<int>((v >> shift) & (kSub - 1));
    return index < kBuckets ? index : kBuckets - 1;
  }
  static double Midpoint(int index) {
    if (index < kSub) {
      return index;
    }
    const int shift = index / kSub - 1;
    const int64_t low = (int64_t{kSub} + index % kSub) << shift;
    return static_cast<double>(low) + static_cast<double>((int64_t{1} << shift)) / 2;
  }

  std::array<int64_t, kBuckets> counts_{};
  int64_t total_ = 0;
};

}  // namespace cases::bench

#endif  // CASES_BENCH_HISTOGRAM_H_
