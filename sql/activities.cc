#include "sql/activities.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <map>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "sql/db_time.h"
#include "sql/resource_protos.h"
#include "sql/retention.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

namespace v1 = ::soc::cases::v1;

int ProductOfCaseType(int type) {
  return type == v1::CASE_TYPE_MDR_MANAGED ? v1::PRODUCT_MDR : v1::PRODUCT_XDR;
}

int ProductOfRequestType(int type) {
  return type == v1::SERVICE_REQUEST_TYPE_MANAGED_RISK ? v1::PRODUCT_MANAGED_RISK : v1::PRODUCT_MDR;
}

void AddChanges(const std::vector<FieldChangeRow>& changes, v1::Activity* a) {
  for (const FieldChangeRow& c : changes) {
    v1::FieldChange* change = a->add_changes();
    change->set_field(c.field);
    change->set_old_value(c.old_value);
    change->set_new_value(c.new_value);
  }
}

ActivityRow Row(const std::string& tenant_id, int type, int product, std::string resource,
                const std::string& actor, const v1::Activity& payload) {
  ActivityRow row;
  row.tenant_id = tenant_id;
  row.type = type;
  row.product = product;
  row.resource = std::move(resource);
  row.actor = actor;
  row.payload = payload.SerializeAsString();
  return row;
}

// The 8 random bytes after an id's time and sequence, with the RFC 4122 variant.
std::string RandomTail() {
  thread_local absl::BitGen gen;
  const uint64_t r = absl::Uniform<uint64_t>(gen);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>((r >> (8 * i)) & 0xff);
  }
  out[0] = static_cast<char>(0x80 | (out[0] & 0x3f));
  return out;
}

ActivityRow ReadActivity(::sql::ResultSet& rs) {
  ActivityRow row;
  row.tenant_id = rs.getString(1);
  row.activity_id = rs.getString(2);
  row.type = rs.getInt(3);
  row.product = rs.getInt(4);
  row.resource = rs.getString(5);
  row.actor = rs.getString(6);
  row.create_time = ParseDbTime(std::string(rs.getString(7)));
  row.payload = rs.getString(8);
  return row;
}

constexpr char kColumns[] =
    "tenant_id, activity_id, type, product, resource, actor, create_time, payload";

// The activity ids of one flush, counted back from the counter's new value, which
// the bump left in LAST_INSERT_ID(): (bits >> 12) is the 48-bit time, then the
// version nibble 7 and the 12-bit sequence, then the random tail.
constexpr char kIdExpression[] =
    "CONCAT(UNHEX(LPAD(HEX((LAST_INSERT_ID() - ?) >> 12), 12, '0')), "
    "UNHEX(LPAD(HEX(28672 | ((LAST_INSERT_ID() - ?) & 4095)), 4, '0')), ?)";

}  // namespace

ActivityRow CaseActivity(int type, const CaseRow& c, const std::string& actor,
                         const std::vector<FieldChangeRow>& changes) {
  v1::Activity a;
  AddChanges(changes, &a);
  CaseRowToProto(c, a.mutable_case_());
  return Row(c.tenant_id, type, ProductOfCaseType(c.type), a.case_().name(), actor, a);
}

ActivityRow AlertActivity(int type, const AlertRow& alert, const std::string& actor) {
  v1::Activity a;
  AlertRowToProto(alert, a.mutable_alert());
  return Row(alert.tenant_id, type, alert.product, a.alert().name(), actor, a);
}

ActivityRow ServiceRequestActivity(int type, const ServiceRequestRow& r, const std::string& actor,
                                   const std::vector<FieldChangeRow>& changes) {
  v1::Activity a;
  AddChanges(changes, &a);
  ServiceRequestRowToProto(r, a.mutable_service_request());
  return Row(r.tenant_id, type, ProductOfRequestType(r.type), a.service_request().name(), actor, a);
}

ActivityRow MessageActivity(const MessageRow& m, int request_type) {
  v1::Activity a;
  MessageRowToProto(m, a.mutable_message());
  return Row(m.tenant_id, v1::ACTIVITY_TYPE_MESSAGE_CREATED, ProductOfRequestType(request_type),
             a.message().name(), m.author, a);
}

ActivityRow TenantActivity(const TenantRow& t, const std::string& actor) {
  v1::Activity a;
  TenantRowToProto(t, a.mutable_tenant());
  return Row(t.parent_id, v1::ACTIVITY_TYPE_TENANT_CREATED, 0, a.tenant().name(), actor, a);
}

ActivityRow LicenseActivity(const LicenseRow& l, const std::string& actor) {
  v1::Activity a;
  LicenseRowToProto(l, a.mutable_license());
  return Row(l.tenant_id, v1::ACTIVITY_TYPE_LICENSE_INSTALLED, 0, a.license().name(), actor, a);
}

void RecordActivity(Lease& db, ActivityRow row) { db.activities().push_back(std::move(row)); }

std::string ActivityIdOf(int64_t bits, const std::string& random8) {
  std::string out(16, '\0');
  const auto time = static_cast<uint64_t>(bits) >> 12;
  for (int i = 0; i < 6; ++i) {
    out[i] = static_cast<char>((time >> (8 * (5 - i))) & 0xff);
  }
  out[6] = static_cast<char>(0x70 | ((bits >> 8) & 0x0f));
  out[7] = static_cast<char>(bits & 0xff);
  out.replace(8, 8, random8);
  return out;
}

int64_t ActivityBitsOf(const std::string& activity_id) {
  uint64_t bits = 0;
  for (int i = 0; i < 6; ++i) {
    bits = (bits << 8) | static_cast<unsigned char>(activity_id[i]);
  }
  bits = (bits << 4) | (static_cast<unsigned char>(activity_id[6]) & 0x0f);
  bits = (bits << 8) | static_cast<unsigned char>(activity_id[7]);
  return static_cast<int64_t>(bits);
}

std::vector<std::string> WriteRecordedActivities(Lease& db) {
  std::map<std::string, std::vector<ActivityRow*>> by_tenant;  // in key order: the lock order
  for (ActivityRow& row : db.activities()) {
    by_tenant[row.tenant_id].push_back(&row);
  }
  std::vector<std::string> tenants;
  const absl::Time now = DbNow();
  const int64_t floor = absl::ToUnixMillis(now) << 12;
  for (auto& [tenant_id, rows] : by_tenant) {
    const auto n = static_cast<int64_t>(rows.size());
    // Held to COMMIT: the tenant's later commits get greater ids.
    auto& bump = db.Prepare(
        "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'activities', "
        "LAST_INSERT_ID(?)) "
        "ON DUPLICATE KEY UPDATE value = LAST_INSERT_ID(GREATEST(value + ?, VALUES(value)))");
    bump.setString(1, tenant_id);
    bump.setInt64(2, floor + n - 1);
    bump.setInt64(3, n);
    bump.execute();
    auto& insert = db.PrepareRepeated(
        absl::StrCat(
            "INSERT INTO activities (", kColumns, ") VALUES ",
            Placeholders(rows.size(), absl::StrCat("(?, ", kIdExpression, ", ?, ?, ?, ?, ?, ?)"))),
        rows.size());
    int k = 1;
    int64_t later = n;  // how many of this flush's ids come after this row's
    for (ActivityRow* row : rows) {
      --later;
      row->create_time = now;
      insert.setString(k++, tenant_id);
      insert.setInt64(k++, later);
      insert.setInt64(k++, later);
      insert.setString(k++, RandomTail());
      insert.setInt(k++, row->type);
      insert.setInt(k++, row->product);
      insert.setString(k++, row->resource);
      insert.setString(k++, row->actor);
      insert.setString(k++, FormatDbTime(now));
      insert.setString(k++, row->payload);
    }
    insert.execute();
    tenants.push_back(tenant_id);
  }
  db.activities().clear();
  return tenants;
}

const ListSchema& ActivityStore::Schema() {
  static const ListSchema* schema = new ListSchema{
      "ListActivities",
      "activities",
      kColumns,
      {{"type", "type", FieldType::kEnum, v1::ActivityType_descriptor()},
       {"resource", "resource", FieldType::kString, nullptr, "", false, false, true},
       {"create_time", "create_time", FieldType::kTime},
       {"tenant", "tenant_id", FieldType::kResource}},
      {{"activity_id",
        {{"activity_id", FieldType::kResource}, {"tenant_id", FieldType::kResource}}}},
      "activity_id"};
  return *schema;
}

absl::StatusOr<std::string> ActivityStore::List(const ListParams& params,
                                                std::vector<ActivityRow>* out) {
  return RunListPage(*pool_, Schema(), params, &ReadActivity, out);
}

absl::StatusOr<std::vector<ActivityRow>> ActivityStore::After(const std::string& tenant_id,
                                                              const std::string& after_id,
                                                              int limit) {
  return QueryValue<std::vector<ActivityRow>>(
      *pool_, [&](Lease& db) -> absl::StatusOr<std::vector<ActivityRow>> {
        auto& select = db.Prepare(absl::StrCat("SELECT ", kColumns,
                                               " FROM activities WHERE tenant_id = ? AND "
                                               "activity_id > ? ORDER BY activity_id LIMIT ?"));
        select.setString(1, tenant_id);
        select.setString(2, after_id);
        select.setInt(3, limit);
        std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
        std::vector<ActivityRow> rows;
        while (rs->next()) {
          rows.push_back(ReadActivity(*rs));
        }
        return rows;
      });
}

absl::StatusOr<std::map<std::string, int64_t>> ActivityStore::Heads(
    const std::vector<std::string>& tenant_ids) {
  return QueryValue<std::map<std::string, int64_t>>(
      *pool_, [&](Lease& db) -> absl::StatusOr<std::map<std::string, int64_t>> {
        std::map<std::string, int64_t> heads;
        // A consistent read: the last committed value, never an in-flight bump.
        SelectForTenants(db,
                         "SELECT tenant_id, value FROM tenant_counters WHERE counter = "
                         "'activities' AND tenant_id IN (",
                         tenant_ids, "",
                         [&](::sql::ResultSet& rs) { heads[rs.getString(1)] = rs.getInt64(2); });
        return heads;
      });
}

absl::StatusOr<int> ActivityStore::Purge(const std::string& tenant_id, absl::Time before,
                                         int limit) {
  // Ids are time-ordered: the oldest come first on the primary key.
  return PurgeCreatedBefore(*pool_,
                            "DELETE FROM activities WHERE tenant_id = ? AND create_time < ? ORDER "
                            "BY activity_id LIMIT ?",
                            tenant_id, before, limit);
}

}  // namespace cases::sql
