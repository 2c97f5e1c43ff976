// casesd's configuration: the flags of the operator interface (docs/operations.md), each
// also read from its CASES_* environment variable (a flag on the command line wins).
#ifndef CASES_SERVER_CONFIG_H_
#define CASES_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/tenant_limiter.h"
#include "sql/dsn.h"

namespace cases::server {

struct Config {
  std::string listen;
  std::string health_listen;
  std::string metrics_listen;
  std::string http_listen;                // empty: no HTTP bridge
  std::vector<std::string> cors_origins;  // exact origins, "*" = any
  std::string console_dir;                // empty: next to the executable
  std::string db_dsn;
  sql::DbConfig db;
  std::string jwks_path;
  std::string issuer;
  std::string audience;
  std::string license_authority_key_path;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  absl::Duration retention;
  absl::Duration activity_retention;
  absl::Duration drain_timeout;
  absl::Duration max_connection_age;
  std::string display_name;  // bootstrap only
  int max_streams = 0;
  int stream_buffer = 0;  // activities per tenant
  absl::Duration tenancy_cache_ttl;
  absl::Duration retention_interval;
  absl::Duration memory_release_interval;  // <= 0: never
  TenantLimits tenant_limits;
  std::string page_token_key;  // empty: a random key per process
  // Webhooks: private and loopback targets and plain http allowed (tests, closed
  // networks); extra CAs trusted for targets; host:port:address pins; the lease;
  // how often the backlog gauge is read.
  bool webhook_allow_private = false;
  std::string webhook_ca_file;
  std::vector<std::string> webhook_resolve;
  absl::Duration webhook_lease;
  absl::Duration webhook_probe_every;
};

// Parses argv (flags after environment defaults). Returns the positional
// arguments (argv[0] first, then the subcommand, if any) and fills *config.
absl::StatusOr<std::vector<std::string>> ParseFlags(int argc, char** argv, Config* config);

// Checks what serving needs (a DSN that parses, TLS files in pairs) and applies
// the page token key.
absl::Status ValidateForServing(Config* config);

}  // namespace cases::server

#endif  // CASES_SERVER_CONFIG_H_
