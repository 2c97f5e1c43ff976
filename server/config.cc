#include "server/config.h"

#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/page_token.h"
#include "common/status_macros.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listen address [CASES_LISTEN]");
ABSL_FLAG(std::string, health_listen, "",
          "plaintext address serving only gRPC health, for probes when the main port uses mTLS; "
          "empty = off [CASES_HEALTH_LISTEN]");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus /metrics HTTP address [CASES_METRICS_LISTEN]");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "HTTP/1.1 address serving every method over the Connect protocol and gRPC-Web; "
          "empty = off [CASES_HTTP_LISTEN]");
ABSL_FLAG(std::vector<std::string>, cors_origins, {},
          "comma-separated origins whose browser pages may call the HTTP listener (\"*\" = "
          "any); empty = none [CASES_CORS_ORIGINS]");
ABSL_FLAG(std::string, console_dir, "",
          "directory of the reference console served at /console/ on --http_listen; empty = "
          "\"console\" next to casesd, then ../share/soc-cases/console [CASES_CONSOLE_DIR]");
ABSL_FLAG(std::string, db, "",
          "mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?socket=/path&pool=N] [CASES_DB]");
ABSL_FLAG(std::string, jwks, "", "path of the JWKS file with token verification keys [CASES_JWKS]");
ABSL_FLAG(std::string, issuer, "cases-dev", "required token issuer (iss) [CASES_ISSUER]");
ABSL_FLAG(std::string, audience, "cases", "required token audience (aud) [CASES_AUDIENCE]");
ABSL_FLAG(std::string, license_authority_key, "",
          "PEM public key that signs licence keys [CASES_LICENSE_AUTHORITY_KEY]");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate; TLS when set [CASES_TLS_CERT]");
ABSL_FLAG(std::string, tls_key, "", "PEM server private key [CASES_TLS_KEY]");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mTLS) "
          "[CASES_TLS_CLIENT_CA]");
ABSL_FLAG(absl::Duration, retention, absl::Hours(720),
          "how long resolved cases are kept after resolve_time [CASES_RETENTION]");
ABSL_FLAG(absl::Duration, activity_retention, absl::Hours(720),
          "how long activities stay in the change feed [CASES_ACTIVITY_RETENTION]");
ABSL_FLAG(absl::Duration, retention_interval, absl::Minutes(1),
          "how often the retention job looks for resolved cases past their purge time "
          "[CASES_RETENTION_INTERVAL]");
ABSL_FLAG(absl::Duration, memory_release_interval, absl::Seconds(10),
          "how often freed heap memory is given back to the system (malloc_trim); 0 = never "
          "[CASES_MEMORY_RELEASE_INTERVAL]");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "on SIGTERM, how long in-flight calls may finish [CASES_DRAIN_TIMEOUT]");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "connections are closed gracefully after this age so clients rebalance across replicas "
          "[CASES_MAX_CONNECTION_AGE]");
ABSL_FLAG(int, max_streams, 10000,
          "most open StreamMessages and StreamActivities calls per replica [CASES_MAX_STREAMS]");
ABSL_FLAG(int, stream_buffer, 1024,
          "activities per tenant a stream may fall behind before it is ended with "
          "STREAM_BEHIND and resumes [CASES_STREAM_BUFFER]");
ABSL_FLAG(absl::Duration, tenancy_cache_ttl, absl::Seconds(5),
          "how long tenant and licence facts written by other replicas may take to be seen "
          "[CASES_TENANCY_CACHE_TTL]");
ABSL_FLAG(double, tenant_rate_limit, 0,
          "calls per second one tenant may make; 0 = no limit [CASES_TENANT_RATE_LIMIT]");
ABSL_FLAG(
    double, tenant_burst, 0,
    "calls a tenant may make at once above its rate; 0 = one second's worth [CASES_TENANT_BURST]");
ABSL_FLAG(
    int, tenant_max_in_flight, 0,
    "calls one tenant may have in flight on a replica; 0 = no cap [CASES_TENANT_MAX_IN_FLIGHT]");
ABSL_FLAG(std::string, page_token_key, "",
          "secret (16+ bytes) that signs page tokens; replicas must share it; empty = a random key "
          "per process, so tokens do not survive a restart or cross replicas "
          "[CASES_PAGE_TOKEN_KEY]");
ABSL_FLAG(bool, webhook_allow_private, false,
          "allow webhook targets on loopback, private or link-local addresses and plain http "
          "(tests and closed networks only) [CASES_WEBHOOK_ALLOW_PRIVATE]");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "PEM bundle of CAs trusted for webhook targets besides the system's "
          "[CASES_WEBHOOK_CA_FILE]");
ABSL_FLAG(std::vector<std::string>, webhook_resolve, {},
          "comma-separated host:port:address pins for webhook targets, as curl --resolve "
          "(split-horizon DNS, tests); the address policy still applies [CASES_WEBHOOK_RESOLVE]");
ABSL_FLAG(absl::Duration, webhook_lease, absl::Seconds(30),
          "how long a replica holds a subscription between renewals; a dead replica's "
          "subscriptions are taken over after it [CASES_WEBHOOK_LEASE]");
ABSL_FLAG(absl::Duration, webhook_probe_every, absl::Seconds(15),
          "how often each replica reads every subscription's backlog for the "
          "cases_webhook_oldest_undelivered_seconds gauge [CASES_WEBHOOK_PROBE_EVERY]");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error [CASES_LOG_LEVEL]");
ABSL_FLAG(std::string, display_name, "Provider", "bootstrap: display name of the provider tenant");

namespace cases::server {
namespace {

// flag name → environment variable.
constexpr std::pair<const char*, const char*> kEnvironment[] = {
    {"listen", "CASES_LISTEN"},
    {"health_listen", "CASES_HEALTH_LISTEN"},
    {"metrics_listen", "CASES_METRICS_LISTEN"},
    {"http_listen", "CASES_HTTP_LISTEN"},
    {"cors_origins", "CASES_CORS_ORIGINS"},
    {"console_dir", "CASES_CONSOLE_DIR"},
    {"db", "CASES_DB"},
    {"jwks", "CASES_JWKS"},
    {"issuer", "CASES_ISSUER"},
    {"audience", "CASES_AUDIENCE"},
    {"license_authority_key", "CASES_LICENSE_AUTHORITY_KEY"},
    {"tls_cert", "CASES_TLS_CERT"},
    {"tls_key", "CASES_TLS_KEY"},
    {"tls_client_ca", "CASES_TLS_CLIENT_CA"},
    {"retention", "CASES_RETENTION"},
    {"activity_retention", "CASES_ACTIVITY_RETENTION"},
    {"retention_interval", "CASES_RETENTION_INTERVAL"},
    {"memory_release_interval", "CASES_MEMORY_RELEASE_INTERVAL"},
    {"drain_timeout", "CASES_DRAIN_TIMEOUT"},
    {"max_connection_age", "CASES_MAX_CONNECTION_AGE"},
    {"max_streams", "CASES_MAX_STREAMS"},
    {"stream_buffer", "CASES_STREAM_BUFFER"},
    {"tenancy_cache_ttl", "CASES_TENANCY_CACHE_TTL"},
    {"tenant_rate_limit", "CASES_TENANT_RATE_LIMIT"},
    {"tenant_burst", "CASES_TENANT_BURST"},
    {"tenant_max_in_flight", "CASES_TENANT_MAX_IN_FLIGHT"},
    {"log_level", "CASES_LOG_LEVEL"},
    {"page_token_key", "CASES_PAGE_TOKEN_KEY"},
    {"webhook_allow_private", "CASES_WEBHOOK_ALLOW_PRIVATE"},
    {"webhook_ca_file", "CASES_WEBHOOK_CA_FILE"},
    {"webhook_resolve", "CASES_WEBHOOK_RESOLVE"},
    {"webhook_lease", "CASES_WEBHOOK_LEASE"},
    {"webhook_probe_every", "CASES_WEBHOOK_PROBE_EVERY"},
};

absl::Status ApplyEnvironment() {
  for (const auto& [flag_name, env_name] : kEnvironment) {
    const char* value = std::getenv(env_name);
    if (value == nullptr) {
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(flag_name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(env_name, ": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseFlags(int argc, char** argv, Config* config) {
  absl::SetProgramUsageMessage(
      "SOC Cases server.\n"
      "  casesd [flags]                       serve\n"
      "  casesd migrate --db=DSN              apply schema migrations and exit\n"
      "  casesd bootstrap --db=DSN --display_name=NAME\n"
      "                                       create the provider tenant if missing; print its "
      "name");
  RETURN_IF_ERROR(ApplyEnvironment());
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  config->listen = absl::GetFlag(FLAGS_listen);
  config->health_listen = absl::GetFlag(FLAGS_health_listen);
  config->metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config->http_listen = absl::GetFlag(FLAGS_http_listen);
  config->cors_origins = absl::GetFlag(FLAGS_cors_origins);
  config->console_dir = absl::GetFlag(FLAGS_console_dir);
  config->db_dsn = absl::GetFlag(FLAGS_db);
  config->jwks_path = absl::GetFlag(FLAGS_jwks);
  config->issuer = absl::GetFlag(FLAGS_issuer);
  config->audience = absl::GetFlag(FLAGS_audience);
  config->license_authority_key_path = absl::GetFlag(FLAGS_license_authority_key);
  config->tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config->tls_key = absl::GetFlag(FLAGS_tls_key);
  config->tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config->retention = absl::GetFlag(FLAGS_retention);
  config->activity_retention = absl::GetFlag(FLAGS_activity_retention);
  config->webhook_allow_private = absl::GetFlag(FLAGS_webhook_allow_private);
  config->webhook_ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
  config->webhook_resolve = absl::GetFlag(FLAGS_webhook_resolve);
  config->webhook_lease = absl::GetFlag(FLAGS_webhook_lease);
  config->webhook_probe_every = absl::GetFlag(FLAGS_webhook_probe_every);
  config->drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  config->max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config->max_streams = absl::GetFlag(FLAGS_max_streams);
  config->stream_buffer = absl::GetFlag(FLAGS_stream_buffer);
  config->display_name = absl::GetFlag(FLAGS_display_name);
  config->tenancy_cache_ttl = absl::GetFlag(FLAGS_tenancy_cache_ttl);
  config->retention_interval = absl::GetFlag(FLAGS_retention_interval);
  config->memory_release_interval = absl::GetFlag(FLAGS_memory_release_interval);
  config->tenant_limits.calls_per_second = absl::GetFlag(FLAGS_tenant_rate_limit);
  config->tenant_limits.burst = absl::GetFlag(FLAGS_tenant_burst);
  config->tenant_limits.max_in_flight = absl::GetFlag(FLAGS_tenant_max_in_flight);
  config->page_token_key = absl::GetFlag(FLAGS_page_token_key);
  LogLevel level;
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warning or error");
  }
  SetLogLevel(level);
  if (!config->db_dsn.empty()) {
    auto db = sql::ParseDsn(config->db_dsn);
    if (!db.ok()) {
      return db.status();
    }
    config->db = *db;
  }
  return std::vector<std::string>(positional.begin(), positional.end());
}

absl::Status ValidateForServing(Config* config) {
  if (config->db_dsn.empty()) {
    return absl::InvalidArgumentError("--db (CASES_DB) is required");
  }
  if (config->tls_cert.empty() != config->tls_key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (!config->tls_client_ca.empty() && config->tls_cert.empty()) {
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  }
  if (config->retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention must be positive");
  }
  if (config->webhook_lease < absl::Seconds(15)) {
    return absl::InvalidArgumentError(
        "--webhook_lease must be at least 15s (an attempt may take 10s)");
  }
  if (config->webhook_probe_every < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--webhook_probe_every must be at least 1s");
  }
  if (config->stream_buffer < 1) {
    return absl::InvalidArgumentError("--stream_buffer must be at least 1");
  }
  if (config->activity_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--activity_retention must be positive");
  }
  if (!config->page_token_key.empty() && config->page_token_key.size() < 16) {
    return absl::InvalidArgumentError("--page_token_key must be at least 16 bytes");
  }
  if (!config->page_token_key.empty()) {
    SetPageTokenKey(config->page_token_key);
  }
  return absl::OkStatus();
}

}  // namespace cases::server
