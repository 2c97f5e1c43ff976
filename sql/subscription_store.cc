#include "sql/subscription_store.h"

#include <cppconn/prepared_statement.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "sql/db_time.h"
#include "sql/retention.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {
namespace {

// SubscriptionState values that deliver (ACTIVE, FAILING).
constexpr char kDelivering[] = "state IN (1, 3)";

absl::Status SubscriptionNotFound(const std::string& tenant_id,
                                  const std::string& subscription_id) {
  return NotFound("subscription", ChildName(tenant_id, "subscriptions", subscription_id));
}

std::optional<SubscriptionRow> SelectSubscription(Lease& db, const std::string& tenant_id,
                                                  const std::string& subscription_id,
                                                  bool for_update) {
  auto& stmt =
      db.Prepare(absl::StrCat("SELECT ", SubscriptionTable().List(),
                              " FROM subscriptions WHERE tenant_id = ? AND subscription_id = ?",
                              for_update ? " FOR UPDATE" : ""));
  stmt.setString(1, tenant_id);
  stmt.setString(2, subscription_id);
  std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
  return rs->next() ? std::optional<SubscriptionRow>(ReadSubscription(*rs)) : std::nullopt;
}

// What a change through the API writes: every column but the identity, the
// creator and the lease (the dispatcher's).
const std::set<std::string>& UpdatedColumns() {
  static const auto* columns = new std::set<std::string>{"display_name",
                                                         "uri",
                                                         "activity_types",
                                                         "secret",
                                                         "state",
                                                         "last_error",
                                                         "failures",
                                                         "first_failure_time",
                                                         "next_attempt_time",
                                                         "update_time",
                                                         "revision"};
  return *columns;
}

void WriteSubscription(Lease& db, const SubscriptionRow& r, bool insert) {
  if (insert) {
    auto& stmt = db.Prepare(absl::StrCat("INSERT INTO subscriptions (", SubscriptionTable().List(),
                                         ") VALUES ", SubscriptionTable().ValueGroup()));
    SubscriptionTable().Bind(stmt, 1, r);
    stmt.execute();
    return;
  }
  auto& stmt = db.Prepare(absl::StrCat("UPDATE subscriptions SET ",
                                       SubscriptionTable().Assignments(UpdatedColumns()),
                                       " WHERE tenant_id = ? AND subscription_id = ?"));
  int next = SubscriptionTable().Bind(stmt, 1, r, &UpdatedColumns());
  stmt.setString(next++, r.tenant_id);
  stmt.setString(next, r.subscription_id);
  stmt.execute();
}

}  // namespace

const ListSchema& SubscriptionStore::Schema() {
  static const auto* schema =
      new ListSchema{"ListSubscriptions",
                     "subscriptions",
                     SubscriptionTable().List(),
                     {},
                     {{"subscription_id", {{"subscription_id", FieldType::kResource}}}},
                     "subscription_id"};
  return *schema;
}

const ListSchema& SubscriptionStore::DeliverySchema() {
  static const auto* schema =
      new ListSchema{"ListDeliveries",
                     "deliveries",
                     DeliveryTable().List(),
                     {},
                     {{"delivery_id", {{"delivery_id", FieldType::kResource}}}},
                     "delivery_id desc"};
  return *schema;
}

absl::StatusOr<SubscriptionRow> SubscriptionStore::Create(
    SubscriptionRow row, const std::optional<IdempotencyKey>& key) {
  return TransactionValue<SubscriptionRow>(
      *pool_, [&](Lease& db) -> absl::StatusOr<SubscriptionRow> {
        const absl::Time now = DbNow();
        SubscriptionRow r = row;
        r.subscription_id = NewIdBytes(now);
        r.create_time = now;
        r.update_time = now;
        r.revision = 1;
        SubscriptionRow earlier;
        ASSIGN_OR_RETURN(bool replayed,
                         ReplayOrClaim(
                             db, key, ChildName(r.tenant_id, "subscriptions", r.subscription_id),
                             [&](const std::string& id) {
                               return SelectSubscription(db, r.tenant_id, id, false);
                             },
                             &earlier));
        if (replayed) {
          return earlier;
        }
        // Creates of one tenant queue on its 'subscriptions' counter row, so two
        // racing for the last place count one after the other.
        auto& lock = db.Prepare(
            "INSERT INTO tenant_counters (tenant_id, counter, value) VALUES (?, 'subscriptions', "
            "0) ON DUPLICATE KEY UPDATE value = value");
        lock.setString(1, r.tenant_id);
        lock.execute();
        auto& count = db.Prepare("SELECT COUNT(*) FROM subscriptions WHERE tenant_id = ?");
        count.setString(1, r.tenant_id);
        std::unique_ptr<::sql::ResultSet> rs(count.executeQuery());
        rs->next();
        if (rs->getInt64(1) >= kMaxSubscriptionsPerTenant) {
          return ErrorWithReason(
              absl::StatusCode::kFailedPrecondition, "SUBSCRIPTION_LIMIT",
              absl::StrCat("a tenant has at most ", kMaxSubscriptionsPerTenant, " subscriptions"),
              {{"limit", std::to_string(kMaxSubscriptionsPerTenant)}});
        }
        WriteSubscription(db, r, true);
        return r;
      });
}

absl::StatusOr<std::optional<SubscriptionRow>> SubscriptionStore::Get(
    const std::string& tenant_id, const std::string& subscription_id) {
  return QueryValue<std::optional<SubscriptionRow>>(
      *pool_, [&](Lease& db) { return SelectSubscription(db, tenant_id, subscription_id, false); });
}

absl::StatusOr<std::string> SubscriptionStore::List(const ListParams& params,
                                                    std::vector<SubscriptionRow>* out) {
  return RunListPage(*pool_, Schema(), params, &ReadSubscription, out);
}

absl::StatusOr<SubscriptionRow> SubscriptionStore::Update(const std::string& tenant_id,
                                                          const std::string& subscription_id,
                                                          const SubscriptionMutation& mutate) {
  return TransactionValue<SubscriptionRow>(
      *pool_, [&](Lease& db) -> absl::StatusOr<SubscriptionRow> {
        std::optional<SubscriptionRow> current =
            SelectSubscription(db, tenant_id, subscription_id, true);
        if (!current.has_value()) {
          return SubscriptionNotFound(tenant_id, subscription_id);
        }
        SubscriptionRow next = *current;
        RETURN_IF_ERROR(mutate(*current, &next));
        next.tenant_id = tenant_id;
        next.subscription_id = subscription_id;
        next.update_time = DbNow();
        next.revision = current->revision + 1;
        WriteSubscription(db, next, false);
        return next;
      });
}

absl::Status SubscriptionStore::Delete(const std::string& tenant_id,
                                       const std::string& subscription_id,
                                       const SubscriptionCheck& may_remove) {
  return RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    std::optional<SubscriptionRow> current =
        SelectSubscription(db, tenant_id, subscription_id, true);
    if (!current.has_value()) {
      return SubscriptionNotFound(tenant_id, subscription_id);
    }
    RETURN_IF_ERROR(may_remove(*current));
    ExecuteForKey(db,
                  {"DELETE FROM deliveries WHERE tenant_id = ? AND subscription_id = ?",
                   "DELETE FROM subscription_cursors WHERE tenant_id = ? AND subscription_id = ?",
                   "DELETE FROM subscriptions WHERE tenant_id = ? AND subscription_id = ?"},
                  tenant_id, subscription_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> SubscriptionStore::ListDeliveries(const ListParams& params,
                                                              std::vector<DeliveryRow>* out) {
  return RunListPage(*pool_, DeliverySchema(), params, &ReadDelivery, out);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SubscriptionStore::Unleased(
    const std::vector<std::string>& tenant_ids, int limit) {
  return QueryValue<std::vector<std::pair<std::string, std::string>>>(*pool_, [&](Lease& db) {
    std::vector<std::pair<std::string, std::string>> out;
    SelectForTenants(
        db,
        absl::StrCat("SELECT tenant_id, subscription_id FROM subscriptions WHERE ", kDelivering,
                     " AND (lease_until IS NULL OR lease_until < NOW(6)) AND tenant_id IN ("),
        tenant_ids, absl::StrCat(" LIMIT ", limit), [&](::sql::ResultSet& rs) {
          if (out.size() < static_cast<size_t>(limit)) {
            out.emplace_back(rs.getString(1), rs.getString(2));
          }
        });
    return out;
  });
}

absl::StatusOr<std::vector<SubscriptionRow>> SubscriptionStore::All(
    const std::vector<std::string>& tenant_ids) {
  return QueryValue<std::vector<SubscriptionRow>>(*pool_, [&](Lease& db) {
    std::vector<SubscriptionRow> out;
    SelectForTenants(db,
                     absl::StrCat("SELECT ", SubscriptionTable().List(),
                                  " FROM subscriptions WHERE tenant_id IN ("),
                     tenant_ids, "",
                     [&](::sql::ResultSet& rs) { out.push_back(ReadSubscription(rs)); });
    return out;
  });
}

absl::StatusOr<std::optional<SubscriptionRow>> SubscriptionStore::TakeLease(
    const std::string& tenant_id, const std::string& subscription_id, const std::string& owner,
    absl::Duration lease) {
  return QueryValue<std::optional<SubscriptionRow>>(
      *pool_, [&](Lease& db) -> std::optional<SubscriptionRow> {
        auto& take = db.Prepare(absl::StrCat(
            "UPDATE subscriptions SET lease_owner = ?, lease_until = NOW(6) + INTERVAL ? "
            "MICROSECOND WHERE tenant_id = ? AND subscription_id = ? AND ",
            kDelivering, " AND (lease_until IS NULL OR lease_until < NOW(6) OR lease_owner = ?)"));
        take.setString(1, owner);
        take.setInt64(2, absl::ToInt64Microseconds(lease));
        take.setString(3, tenant_id);
        take.setString(4, subscription_id);
        take.setString(5, owner);
        if (take.executeUpdate() == 0) {
          return std::nullopt;
        }
        return SelectSubscription(db, tenant_id, subscription_id, false);
      });
}

absl::Status SubscriptionStore::Release(const std::string& tenant_id,
                                        const std::string& subscription_id,
                                        const std::string& owner) {
  return RunQuery(*pool_, [&](Lease& db) {
    auto& release = db.Prepare(
        "UPDATE subscriptions SET lease_owner = '', lease_until = NULL WHERE tenant_id = ? AND "
        "subscription_id = ? AND lease_owner = ?");
    release.setString(1, tenant_id);
    release.setString(2, subscription_id);
    release.setString(3, owner);
    release.execute();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::map<std::string, std::string>> SubscriptionStore::Cursors(
    const std::string& tenant_id, const std::string& subscription_id) {
  return QueryValue<std::map<std::string, std::string>>(*pool_, [&](Lease& db) {
    std::map<std::string, std::string> out;
    auto& select = db.Prepare(
        "SELECT source_tenant_id, last_activity_id FROM subscription_cursors WHERE tenant_id = ? "
        "AND subscription_id = ?");
    select.setString(1, tenant_id);
    select.setString(2, subscription_id);
    std::unique_ptr<::sql::ResultSet> rs(select.executeQuery());
    while (rs->next()) {
      out[rs->getString(1)] = rs->getString(2);
    }
    return out;
  });
}

absl::Status SubscriptionStore::RecordAttempts(const std::string& tenant_id,
                                               const std::string& subscription_id,
                                               const std::string& owner,
                                               const std::vector<DeliveryRow>& attempts,
                                               const std::map<std::string, std::string>& cursors,
                                               const SubscriptionProgress& progress) {
  return RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    if (!attempts.empty()) {
      auto& insert = db.PrepareRepeated(
          absl::StrCat("INSERT INTO deliveries (", DeliveryTable().List(), ") VALUES ",
                       Placeholders(attempts.size(), DeliveryTable().ValueGroup())),
          attempts.size());
      int k = 1;
      for (const DeliveryRow& d : attempts) {
        k = DeliveryTable().Bind(insert, k, d);
      }
      insert.execute();
    }
    if (!cursors.empty()) {
      auto& move = db.PrepareRepeated(
          absl::StrCat("INSERT INTO subscription_cursors (tenant_id, subscription_id, "
                       "source_tenant_id, last_activity_id) VALUES ",
                       Placeholders(cursors.size(), "(?, ?, ?, ?)"),
                       " ON DUPLICATE KEY UPDATE last_activity_id = "
                       "GREATEST(last_activity_id, VALUES(last_activity_id))"),
          cursors.size());
      int k = 1;
      for (const auto& [source, last] : cursors) {
        move.setString(k++, tenant_id);
        move.setString(k++, subscription_id);
        move.setString(k++, source);
        move.setString(k++, last);
      }
      move.execute();
    }
    auto& update = db.Prepare(absl::StrCat(
        "UPDATE subscriptions SET state = ?, failures = ?, first_failure_time = ?, "
        "next_attempt_time = ?, last_error = ?, last_delivery_time = COALESCE(?, "
        "last_delivery_time) WHERE tenant_id = ? AND subscription_id = ? AND lease_owner = ? AND ",
        kDelivering));
    auto set_time = [&](int i, const std::optional<absl::Time>& t) {
      if (t.has_value()) {
        update.setString(i, FormatDbTime(*t));
      } else {
        update.setNull(i, 0);
      }
    };
    update.setInt(1, progress.state);
    update.setInt(2, progress.failures);
    set_time(3, progress.first_failure_time);
    set_time(4, progress.next_attempt_time);
    update.setString(5, progress.last_error);
    set_time(6, progress.last_delivery_time);
    update.setString(7, tenant_id);
    update.setString(8, subscription_id);
    update.setString(9, owner);
    update.execute();
    return absl::OkStatus();
  });
}

absl::StatusOr<int> SubscriptionStore::PurgeDeliveries(const std::string& tenant_id,
                                                       absl::Time before, int limit) {
  return PurgeCreatedBefore(*pool_,
                            "DELETE FROM deliveries WHERE tenant_id = ? AND create_time < ? ORDER "
                            "BY create_time LIMIT ?",
                            tenant_id, before, limit);
}

}  // namespace cases::sql
