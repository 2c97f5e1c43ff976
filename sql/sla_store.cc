#include "sql/sla_store.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json.h"
#include "common/status_macros.h"
#include "sql/db_time.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

// Targets as the JSON column keeps them: {"<severity>.acknowledge": "<seconds>", ...}.
std::map<std::string, std::string> TargetsToMap(const std::map<int, SlaTargetRow>& targets) {
  std::map<std::string, std::string> out;
  for (const auto& [severity, t] : targets) {
    if (t.acknowledge_within) {
      out[absl::StrCat(severity, ".acknowledge")] =
          absl::StrCat(absl::ToInt64Seconds(*t.acknowledge_within));
    }
    if (t.resolve_within) {
      out[absl::StrCat(severity, ".resolve")] =
          absl::StrCat(absl::ToInt64Seconds(*t.resolve_within));
    }
  }
  return out;
}

std::map<int, SlaTargetRow> TargetsFromMap(const std::map<std::string, std::string>& map) {
  std::map<int, SlaTargetRow> out;
  for (const auto& [key, value] : map) {
    std::pair<std::string, std::string> parts = absl::StrSplit(key, absl::MaxSplits('.', 1));
    int severity = 0;
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(parts.first, &severity) || !absl::SimpleAtoi(value, &seconds)) {
      continue;
    }
    if (parts.second == "acknowledge") {
      out[severity].acknowledge_within = absl::Seconds(seconds);
    } else if (parts.second == "resolve") {
      out[severity].resolve_within = absl::Seconds(seconds);
    }
  }
  return out;
}

SlaPolicyRow SelectPolicy(Lease& db, const std::string& tenant_id, bool for_update) {
  auto& stmt = db.Prepare(
      absl::StrCat("SELECT targets, update_time, revision FROM sla_policies WHERE tenant_id = ?",
                   for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  SlaPolicyRow row;
  row.tenant_id = tenant_id;
  if (rs->next()) {
    row.targets = TargetsFromMap(MapFromJson(std::string(rs->getString(1))));
    row.update_time = ParseDbTime(std::string(rs->getString(2)));
    row.revision = rs->getInt64(3);
  }
  return row;
}

}  // namespace

absl::StatusOr<SlaPolicyRow> SlaStore::Get(const std::string& tenant_id) {
  const absl::Time now = absl::Now();
  int64_t updates_before = 0;
  if (cache_ttl_ > absl::ZeroDuration()) {
    MutexLock lock(&mu_);
    if (auto it = cache_.find(tenant_id);
        it != cache_.end() && now - it->second.loaded_at < cache_ttl_) {
      return it->second.row;
    }
    updates_before = updates_;
  }
  ASSIGN_OR_RETURN(SlaPolicyRow row,
                   QueryValue<SlaPolicyRow>(*pool_, [&](Lease& db) -> absl::StatusOr<SlaPolicyRow> {
                     return SelectPolicy(db, tenant_id, false);
                   }));
  if (cache_ttl_ > absl::ZeroDuration()) {
    MutexLock lock(&mu_);
    if (updates_ == updates_before) {
      cache_[tenant_id] = {row, now};
    }
  }
  return row;
}

absl::StatusOr<SlaPolicyRow> SlaStore::Update(const std::string& tenant_id,
                                              const SlaPolicyMutation& mutate) {
  absl::StatusOr<SlaPolicyRow> result = TransactionValue<
      SlaPolicyRow>(*pool_, [&](Lease& db) -> absl::StatusOr<SlaPolicyRow> {
    const SlaPolicyRow current = SelectPolicy(db, tenant_id, true);
    SlaPolicyRow next = current;
    RETURN_IF_ERROR(mutate(current, &next));
    next.update_time = DbNow();
    next.revision = current.revision + 1;
    auto& upsert = db.Prepare(
        "INSERT INTO sla_policies (tenant_id, targets, update_time, revision) VALUES (?, ?, ?, ?) "
        "ON DUPLICATE KEY UPDATE targets = VALUES(targets), update_time = VALUES(update_time), "
        "revision = VALUES(revision)");
    upsert.setString(1, tenant_id);
    upsert.setString(2, JsonFromMap(TargetsToMap(next.targets)));
    upsert.setString(3, FormatDbTime(*next.update_time));
    upsert.setInt64(4, next.revision);
    upsert.execute();
    return next;
  });
  // Whether or not the write landed (an UNAVAILABLE commit may have), the next
  // read on this replica goes to the database.
  MutexLock lock(&mu_);
  cache_.erase(tenant_id);
  ++updates_;
  return result;
}

}  // namespace cases::sql
