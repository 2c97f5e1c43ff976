#include "sql/tenant_store.h"

#include <cppconn/resultset.h>

#include "common/ids.h"
#include "sql/activities.h"
#include "sql/db_time.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

constexpr int kProviderKind = 4;  // soc.cases.v1.TENANT_KIND_PROVIDER

constexpr char kTenantColumns[] = "tenant_id, parent_id, kind, display_name, create_time";

TenantRow ReadTenant(::sql::ResultSet& rs) {
  TenantRow row;
  row.id = rs.getString(1);
  row.parent_id = rs.isNull(2) ? "" : std::string(rs.getString(2));
  row.kind = rs.getInt(3);
  row.display_name = rs.getString(4);
  row.create_time = ParseDbTime(std::string(rs.getString(5)));
  return row;
}

void InsertTenant(Lease& db, const TenantRow& row) {
  auto& insert = db.Prepare(
      "INSERT INTO tenants (tenant_id, parent_id, kind, display_name, create_time) "
      "VALUES (?, ?, ?, ?, ?)");
  insert.setString(1, row.id);
  if (row.parent_id.empty()) {
    insert.setNull(2, 0);
  } else {
    insert.setString(2, row.parent_id);
  }
  insert.setInt(3, row.kind);
  insert.setString(4, row.display_name);
  insert.setString(5, FormatDbTime(row.create_time));
  insert.execute();
}

std::optional<TenantRow> SelectTenant(Lease& db, const std::string& id) {
  auto& select =
      db.Prepare(std::string("SELECT ") + kTenantColumns + " FROM tenants WHERE tenant_id = ?");
  select.setString(1, id);
  std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
  if (!rs->next()) {
    return std::nullopt;
  }
  return ReadTenant(*rs);
}

}  // namespace

absl::StatusOr<TenantRow> TenantStore::Create(const TenantRow& row,
                                              const std::optional<IdempotencyKey>& key,
                                              const std::string& actor) {
  TenantRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    auto replayed = ReplayOrClaim(
        db, key, "tenants/" + IdToText(row.id),
        [&](const std::string& id) { return SelectTenant(db, id); }, &result);
    if (!replayed.ok() || *replayed) {
      return replayed.status();
    }
    InsertTenant(db, row);
    if (!row.parent_id.empty()) {
      RecordActivity(db, TenantActivity(row, actor));
    }
    result = row;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<std::optional<TenantRow>> TenantStore::Get(const std::string& id) {
  return QueryValue<std::optional<TenantRow>>(*pool_,
                                              [&](Lease& db) { return SelectTenant(db, id); });
}

absl::StatusOr<std::vector<TenantRow>> TenantStore::ListAll() {
  std::vector<TenantRow> out;
  absl::Status status = RunQuery(*pool_, [&](Lease& db) {
    out.clear();
    std::unique_ptr<::sql::ResultSet> rs(
        db.Prepare(std::string("SELECT ") + kTenantColumns + " FROM tenants ORDER BY tenant_id")
            .executeQuery());
    while (rs->next()) {
      out.push_back(ReadTenant(*rs));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

absl::StatusOr<TenantRow> TenantStore::EnsureProvider(const std::string& display_name) {
  TenantRow result;
  absl::Status status = RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    // Concurrent bootstraps serialise on one row lock (tenant id all zeros, which
    // UUIDv7 never produces), released by the commit.
    const std::string lock_tenant(16, '\0');
    auto& claim = db.Prepare(
        "INSERT IGNORE INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'bootstrap', "
        "0)");
    claim.setString(1, lock_tenant);
    claim.execute();
    auto& lock = db.Prepare(
        "SELECT value FROM tenant_counters WHERE tenant_id = ? AND counter = 'bootstrap' FOR "
        "UPDATE");
    lock.setString(1, lock_tenant);
    std::unique_ptr<::sql::ResultSet> locked(lock.executeQuery());
    auto& select = db.Prepare(std::string("SELECT ") + kTenantColumns +
                              " FROM tenants WHERE kind = ? ORDER BY tenant_id LIMIT 1");
    select.setInt(1, kProviderKind);
    std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
    if (rs->next()) {
      result = ReadTenant(*rs);
    } else {
      result.id = NewIdBytes();
      result.kind = kProviderKind;
      result.display_name = display_name;
      result.create_time = DbNow();
      InsertTenant(db, result);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::Status TenantStore::InstallLicense(const LicenseRow& row, const std::string& actor) {
  return RunInTransaction(*pool_, [&](Lease& db) {
    auto& upsert = db.Prepare(
        "INSERT INTO licenses (tenant_id, license_id, product, start_time, expire_time, "
        "install_time) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE product = "
        "VALUES(product), "
        "start_time = VALUES(start_time), expire_time = VALUES(expire_time), "
        "install_time = VALUES(install_time)");
    upsert.setString(1, row.tenant_id);
    upsert.setString(2, row.license_id);
    upsert.setInt(3, row.product);
    upsert.setString(4, FormatDbTime(row.start_time));
    upsert.setString(5, FormatDbTime(row.expire_time));
    upsert.setString(6, FormatDbTime(row.install_time));
    upsert.execute();
    RecordActivity(db, LicenseActivity(row, actor));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<LicenseRow>> TenantStore::ListAllLicenses() {
  std::vector<LicenseRow> out;
  absl::Status status = RunQuery(*pool_, [&](Lease& db) {
    out.clear();
    std::unique_ptr<::sql::ResultSet> rs(
        db.Prepare("SELECT tenant_id, license_id, product, start_time, expire_time, install_time "
                   "FROM licenses ORDER BY tenant_id, license_id")
            .executeQuery());
    while (rs->next()) {
      LicenseRow row;
      row.tenant_id = rs->getString(1);
      row.license_id = rs->getString(2);
      row.product = rs->getInt(3);
      row.start_time = ParseDbTime(std::string(rs->getString(4)));
      row.expire_time = ParseDbTime(std::string(rs->getString(5)));
      row.install_time = ParseDbTime(std::string(rs->getString(6)));
      out.push_back(std::move(row));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return out;
}

}  // namespace cases::sql
