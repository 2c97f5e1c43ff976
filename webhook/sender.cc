#include "webhook/sender.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"

namespace cases::webhook {
namespace {

struct Transfer {
  const SenderOptions* options;
  size_t received = 0;
  bool refused_address = false;
  bool too_long = false;
};

size_t Discard(char* /*data*/, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->received += size * n;
  if (t->received > kMaxResponseBytes) {
    t->too_long = true;
    return 0;  // aborts the transfer
  }
  return size * n;
}

// Called with the address curl is about to connect to, after name resolution:
// the policy's check at connect time.
curl_socket_t OpenSocket(void* user, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->options->policy.allow_private && IsForbiddenAddress(&address->addr)) {
    t->refused_address = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string SignatureHeader(absl::string_view secret, int64_t t, absl::string_view body) {
  const std::string signed_text = absl::StrCat(t, ".", body);
  return absl::StrCat("t=", t, ",v1=", absl::BytesToHexString(HmacSha256(secret, signed_text)));
}

Sender::Sender(SenderOptions options) : options_(std::move(options)) { GlobalInit(); }

Sender::Session::Session(const SenderOptions* options)
    : options_(options), curl_(curl_easy_init()) {}

Sender::Session::~Session() {
  if (curl_ != nullptr) {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
  }
}

Sender::Session::Session(Session&& other) noexcept : options_(other.options_), curl_(other.curl_) {
  other.curl_ = nullptr;
}

Result Sender::Session::Post(const std::string& uri, const std::string& body,
                             const std::string& activity_name, const std::string& secret,
                             absl::Time now) {
  Result result;
  auto target = ParseUri(uri, options_->policy.allow_private);
  if (!target.ok()) {
    result.error = absl::StrCat("refused target: ", target.status().message());
    return result;
  }
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer transfer{options_};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, absl::StrCat("Cases-Activity: ", activity_name).c_str());
  headers = curl_slist_append(
      headers,
      absl::StrCat("Cases-Signature: ", SignatureHeader(secret, absl::ToUnixSeconds(now), body))
          .c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_slist* pins = nullptr;
  for (const auto& [host_port, address] : options_->policy.pinned) {
    pins = curl_slist_append(pins, absl::StrCat(host_port, ":", address).c_str());
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
                   options_->policy.allow_private ? "http,https" : "https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_RESOLVE, pins);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  // Never through a proxy from the environment (https_proxy and friends): the address
  // check in OpenSocket must see the receiver itself, not a proxy in front of it.
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_->timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "casesd-webhooks/1");
  if (!options_->ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_->ca_file.c_str());
  }
  const absl::Time start = absl::Now();
  const CURLcode code = curl_easy_perform(curl);
  result.latency = absl::Now() - start;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.http_status = static_cast<int>(status);
  if (transfer.refused_address) {
    result.http_status = 0;
    result.error =
        "refused: the target resolves to a loopback, private, link-local or metadata address";
  } else if (code != CURLE_OK && !(transfer.too_long && status != 0)) {
    result.error = absl::StrCat(curl_easy_strerror(code), error[0] != 0 ? ": " : "", error);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      result.http_status = 0;
    }
  } else if (!result.delivered()) {
    result.error = absl::StrCat("HTTP ", status);
  }
  curl_slist_free_all(headers);
  curl_slist_free_all(pins);
  return result;
}

}  // namespace cases::webhook
