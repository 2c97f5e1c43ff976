// Gives the heap memory casesd has freed back to the system every `interval`
// (glibc's malloc_trim). glibc keeps what a burst of work freed in the arenas of
// the threads that freed it, and a later burst on other threads allocates anew
// beside it: ten thousand streams on gRPC's threads after an ingest on the
// synchronous server's held both bursts' memory at once. Measured on one casesd:
// after 32 callers' ingest it held 124 MiB, of which malloc_trim gave back 72;
// 10 000 streams opened after that peaked at 251 MiB instead of 290.
//
// With a gauge of open streams, a pass also runs within a second of many of them
// closing (a quarter of the most seen since the last pass, and at least
// kStreamChange), or of many opening where few were open at the last pass.
// Ten thousand streams opened right after an ingest, or clients that all
// reconnect at once (a proxy restart), would otherwise allocate beside the memory
// the previous burst freed: the interval is too long to fall between the two
// (bench: 136 and 177 MiB held before two rounds of 10 000 streams). Passes are
// kept to those edges because a pass is not free: on a test heap of ten threads,
// one that gave back ~190 MiB took 200 ms and one with nothing to give 20 ms, each
// arena locked while it is walked.
#ifndef CASES_COMMON_MEMORY_RELEASER_H_
#define CASES_COMMON_MEMORY_RELEASER_H_

#include <functional>
#include <thread>

#include "absl/time/time.h"
#include "common/sync.h"

namespace cases {

class MemoryReleaser {
 public:
  static constexpr int kStreamChange = 500;

  // interval <= 0: Start runs nothing. `open_streams`, if given, is read every
  // second while running.
  explicit MemoryReleaser(absl::Duration interval, std::function<int()> open_streams = nullptr)
      : interval_(interval), open_streams_(std::move(open_streams)) {}
  ~MemoryReleaser() { Stop(); }
  MemoryReleaser(const MemoryReleaser&) = delete;
  MemoryReleaser& operator=(const MemoryReleaser&) = delete;

  // Gives free heap memory back now.
  void ReleaseOnce();
  // Runs ReleaseOnce every interval on a thread until Stop.
  void Start();
  void Stop();

  // Passes run, and the time they took (they hold each arena's lock while they walk it).
  long long passes() const;
  absl::Duration time_spent() const;

 private:
  // Whether many streams closed since `*high` (the most since the last pass,
  // updated here) or opened since `at_last_pass` when that was few.
  bool StreamsChanged(int at_last_pass, int* high) const;

  const absl::Duration interval_;
  const std::function<int()> open_streams_;
  mutable Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  long long passes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration time_spent_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace cases

#endif  // CASES_COMMON_MEMORY_RELEASER_H_
