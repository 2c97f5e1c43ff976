// The webhook sender: one signed POST with libcurl. Headers: Content-Type
// application/json, Cases-Activity (the activity's name) and Cases-Signature
// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. Each attempt
// has a 10 s deadline, follows no redirect, reads at most 64 KiB of the answer,
// and connects only to addresses the target policy allows: curl's open-socket
// callback sees the address it is about to connect to, after resolution.
//
//   webhook::Sender sender(options);
//   webhook::Sender::Session session = sender.NewSession();  // one per thread
//   webhook::Result r = session.Post(uri, body, activity_name, secret);
#ifndef CASES_WEBHOOK_SENDER_H_
#define CASES_WEBHOOK_SENDER_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "webhook/target.h"

namespace cases::webhook {

inline constexpr absl::Duration kAttemptTimeout = absl::Seconds(10);
inline constexpr size_t kMaxResponseBytes = 64 * 1024;

// What one attempt came to: 2xx is delivered.
struct Result {
  int http_status = 0;  // 0: no response
  std::string error;    // empty on 2xx
  absl::Duration latency;
  bool delivered() const { return http_status >= 200 && http_status < 300; }
};

// The Cases-Signature value for `body` signed at unix second `t`.
std::string SignatureHeader(absl::string_view secret, int64_t t, absl::string_view body);

struct SenderOptions {
  Policy policy;
  std::string ca_file;  // extra trusted CAs for targets (PEM); empty: the system's
  absl::Duration timeout = kAttemptTimeout;
};

class Sender {
 public:
  explicit Sender(SenderOptions options);

  // A curl handle kept across attempts, so a receiver's connection is reused.
  // Not thread-safe: one per thread.
  class Session {
   public:
    explicit Session(const SenderOptions* options);
    ~Session();
    Session(Session&&) noexcept;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Result Post(const std::string& uri, const std::string& body, const std::string& activity_name,
                const std::string& secret, absl::Time now = absl::Now());

   private:
    const SenderOptions* options_;
    void* curl_;  // CURL*
  };

  Session NewSession() const { return Session(&options_); }

 private:
  SenderOptions options_;
};

}  // namespace cases::webhook

#endif  // CASES_WEBHOOK_SENDER_H_
