#include "sql/detection_store.h"

#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <functional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/status_macros.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/common.pb.h"
#include "sql/activities.h"
#include "sql/case_rule_store.h"
#include "sql/db_time.h"
#include "sql/tables.h"
#include "sql/transaction.h"

namespace cases::sql {

namespace v1 = ::soc::cases::v1;

namespace {

template <typename Row>
absl::StatusOr<std::optional<Row>> GetOne(ConnectionPool* pool, const std::string& sql,
                                          const std::string& tenant_id, const std::string& id,
                                          Row (*read)(::sql::ResultSet&)) {
  return QueryValue<std::optional<Row>>(*pool, [&](Lease& db) -> std::optional<Row> {
    auto& stmt = db.Prepare(sql);
    stmt.setString(1, tenant_id);
    stmt.setString(2, id);
    std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
    return rs->next() ? std::optional<Row>(read(*rs)) : std::nullopt;
  });
}

// SelectIn of two columns: each row's first column → second into `out`.
template <typename Keys>
void SelectPairs(Lease& db, absl::string_view select, const std::string& tenant_id,
                 const Keys& keys, absl::flat_hash_map<std::string, std::string>* out) {
  SelectIn(db, select, tenant_id, keys,
           [out](::sql::ResultSet& rs) { (*out)[std::string(rs.getString(1))] = rs.getString(2); });
}

// How one batch grows one alert.
struct Growth {
  int count = 0;
  int severity = 0;
  std::map<std::string, std::string> attributes;
};

// The alert of each key of a batch: its id and product.
struct KnownAlerts {
  absl::flat_hash_map<std::string, std::string> id;
  absl::flat_hash_map<std::string, int> product;

  void Select(Lease& db, const std::string& tenant_id, const std::vector<std::string>& keys) {
    SelectIn(
        db,
        "SELECT alert_key, alert_id, product FROM alerts WHERE tenant_id = ? AND alert_key IN (",
        tenant_id, keys, [this](::sql::ResultSet& rs) {
          const std::string key = rs.getString(1);
          id[key] = rs.getString(2);
          product[key] = rs.getInt(3);
        });
  }
};

// Step 0 of an ingest, before its transaction: the alert of every key, by a plain
// read, and the alerts of keys that have none created at once, each statement
// committing on its own (a new alert takes the product, title and severity of the
// first detection of its key; a key created meanwhile by another batch is left
// alone). The transaction then only raises counts of rows that exist, in key order
// at its end, so a tenant's concurrent batches queue on its alert rows only from
// that raise to their commit. Creating them inside the transaction would hold the
// new rows from the start: the first batches to name new keys, which all create
// them, would then take turns for their whole transactions (32 callers naming 200
// new keys: 10 s waits), and a batch creating some keys and raising others would
// take its rows in two passes, which deadlocks with another doing the same.
// An alert is announced (its history's CREATED event, the ALERT_CREATED activity)
// by the transaction that commits its first detections; if that transaction fails,
// the alert stays, empty, until a retry of the batch fills it.
absl::StatusOr<KnownAlerts> FindOrCreateAlerts(ConnectionPool& pool, const std::string& tenant_id,
                                               const std::vector<DetectionRow>& items,
                                               absl::Time now) {
  std::map<std::string, const DetectionRow*> first_by_key;
  for (const DetectionRow& d : items) {
    first_by_key.emplace(d.alert_key, &d);
  }
  std::vector<std::string> keys;
  keys.reserve(first_by_key.size());
  for (const auto& [key, first] : first_by_key) {
    keys.push_back(key);
  }
  return QueryValue<KnownAlerts>(pool, [&](Lease& db) -> absl::StatusOr<KnownAlerts> {
    KnownAlerts known;
    known.Select(db, tenant_id, keys);
    std::vector<std::string> missing;
    for (const std::string& key : keys) {
      if (!known.id.contains(key)) {
        missing.push_back(key);
      }
    }
    if (missing.empty()) {
      return known;
    }
    const std::string now_text = FormatDbTime(now);
    InsertRows(db,
               "INSERT IGNORE INTO alerts (tenant_id, alert_id, alert_key, product, title, "
               "severity, detection_count, attributes, create_time, update_time) VALUES ",
               "(?, ?, ?, ?, ?, ?, 0, '{}', ?, ?)", "", missing.size(),
               [&](::sql::PreparedStatement& stmt, int k, size_t i) {
                 const DetectionRow* first = first_by_key[missing[i]];
                 stmt.setString(k++, tenant_id);
                 stmt.setString(k++, NewIdBytes(now));
                 stmt.setString(k++, missing[i]);
                 stmt.setInt(k++, first->product);
                 stmt.setString(k++, first->title);
                 stmt.setInt(k++, first->severity);
                 stmt.setString(k++, now_text);
                 stmt.setString(k++, now_text);
                 return k;
               });
    known.Select(db, tenant_id, missing);
    return known;
  });
}

// One ingest transaction, step by step; the steps share what they learn.
struct IngestTransaction {
  Lease& db;
  const std::string& tenant_id;
  const std::vector<DetectionRow>& items;
  const std::string& actor;
  const IngestRules* rules;  // null: none
  std::vector<IngestOutcome>& outcomes;
  KnownAlerts alerts;  // of every key (FindOrCreateAlerts)
  const absl::Time now;
  const std::string now_text = FormatDbTime(now);
  std::vector<size_t> active;         // items not rejected
  std::vector<std::string> proposed;  // detection ids we would create
  absl::flat_hash_map<std::string, std::string> id_of_external;
  std::map<std::string, Growth> growth;  // alert key → growth

  absl::Status Run() {
    RejectOtherProducts();
    if (active.empty()) {
      return absl::OkStatus();
    }
    InsertDetections();
    CountCreated();
    RaiseAlertCounts();
    RecordHistory();
    return ApplyRules();
  }

  // 6. The tenant's case rules, on the detections this batch really created.
  absl::Status ApplyRules() {
    if (rules == nullptr) {
      return absl::OkStatus();
    }
    std::vector<DetectionRow> created;
    for (size_t i : active) {
      if (outcomes[i].created) {
        DetectionRow d = items[i];
        d.tenant_id = tenant_id;
        d.detection_id = outcomes[i].detection_id;
        d.alert_id = alerts.id[d.alert_key];
        d.create_time = now;
        created.push_back(std::move(d));
      }
    }
    if (created.empty()) {
      return absl::OkStatus();
    }
    return ApplyCaseRules(db, tenant_id, *rules, created, now);
  }

  // 1. An alert groups one product's detections: an item whose key belongs to an
  //    alert of another product is refused, naming the product.
  void RejectOtherProducts() {
    for (size_t i = 0; i < items.size(); ++i) {
      const int alert_product = alerts.product[items[i].alert_key];
      if (items[i].product == alert_product) {
        active.push_back(i);
        continue;
      }
      outcomes[i].rejected_field = "product";
      outcomes[i].rejected_reason =
          absl::StrCat("alert_key '", items[i].alert_key, "' groups ",
                       v1::Product_Name(static_cast<v1::Product>(alert_product)), " detections");
    }
  }

  void InsertDetections() {
    // 2. Insert the detections; an existing external id is ignored (and reported below).
    proposed.resize(items.size());
    InsertRows(
        db, absl::StrCat("INSERT IGNORE INTO detections (", DetectionTable().List(), ") VALUES "),
        DetectionTable().ValueGroup(), "", active.size(),
        [&](::sql::PreparedStatement& stmt, int k, size_t n) {
          const size_t i = active[n];
          DetectionRow d = items[i];
          proposed[i] = NewIdBytes(now);
          d.tenant_id = tenant_id;
          d.detection_id = proposed[i];
          d.alert_id = alerts.id[d.alert_key];
          d.case_id.clear();
          d.create_time = now;
          return DetectionTable().Bind(stmt, k, d);
        });
    {
      std::set<std::string> externals;
      for (size_t i : active) {
        externals.insert(items[i].external_id);
      }
      SelectPairs(db,
                  "SELECT external_id, detection_id FROM detections WHERE tenant_id = ? AND "
                  "external_id IN (",
                  tenant_id, externals, &id_of_external);
    }
  }

  // 3. Count what this batch really created, per alert.
  void CountCreated() {
    for (size_t i : active) {
      const DetectionRow& d = items[i];
      outcomes[i].detection_id = id_of_external[d.external_id];
      outcomes[i].created = outcomes[i].detection_id == proposed[i];
      if (outcomes[i].created) {
        Growth& g = growth[d.alert_key];
        ++g.count;
        g.severity = std::max(g.severity, d.severity);
        for (const auto& [k, v] : d.attributes) {
          g.attributes.emplace(k, v);
        }
      }
    }
  }

  void RaiseAlertCounts() {
    // 4. Raise the counts, in key order (growth is a map), as every batch locks them:
    //    batches queue, never deadlock.
    std::vector<const std::pair<const std::string, Growth>*> raised;
    for (const auto& entry : growth) {
      raised.push_back(&entry);
    }
    InsertRows(
        db,
        "INSERT INTO alerts (tenant_id, alert_id, alert_key, product, title, severity, "
        "detection_count, attributes, create_time, update_time) VALUES ",
        "(?, ?, ?, ?, '', ?, ?, ?, ?, ?)",
        " ON DUPLICATE KEY UPDATE detection_count = detection_count + VALUES(detection_count), "
        "severity = GREATEST(severity, VALUES(severity)), "
        "attributes = JSON_MERGE_PATCH(VALUES(attributes), attributes), update_time = "
        "VALUES(update_time)",
        raised.size(), [&](::sql::PreparedStatement& stmt, int k, size_t i) {
          const auto& [key, g] = *raised[i];
          stmt.setString(k++, tenant_id);
          stmt.setString(k++, alerts.id[key]);
          stmt.setString(k++, key);
          stmt.setInt(k++, alerts.product[key]);
          stmt.setInt(k++, g.severity);
          stmt.setInt(k++, g.count);
          stmt.setString(k++, JsonFromMap(g.attributes));
          stmt.setString(k++, now_text);
          stmt.setString(k++, now_text);
          return k;
        });
  }

  void RecordHistory() {
    // 5. History: an alert's first detections create it; later ones are grouped. The
    //    counts are read after the raise: this transaction holds those rows now,
    //    and READ COMMITTED reads the latest, so old and new are exact.
    if (growth.empty()) {
      return;
    }
    std::vector<std::string> raised;
    for (const auto& [key, g] : growth) {
      raised.push_back(alerts.id[key]);
    }
    absl::flat_hash_map<std::string, std::string> count_of_alert;
    SelectPairs(db,
                "SELECT alert_id, CAST(detection_count AS CHAR) FROM alerts WHERE tenant_id = ? "
                "AND alert_id IN (",
                tenant_id, raised, &count_of_alert);
    std::vector<EventRow> events;
    std::vector<std::string> created_alerts;
    for (const auto& [key, g] : growth) {
      const std::string& alert_id = alerts.id[key];
      int64_t after = 0;
      if (!absl::SimpleAtoi(count_of_alert[alert_id], &after)) {
        after = g.count;
      }
      const bool created = after == g.count;
      if (created) {
        created_alerts.push_back(alert_id);
      }
      events.push_back(
          {alert_id,
           NewIdBytes(now),
           actor,
           created ? v1::EVENT_TYPE_CREATED : v1::EVENT_TYPE_DETECTION_GROUPED,
           {{"detectionCount", absl::StrCat(after - g.count), absl::StrCat(after)}},
           absl::StrCat(g.count, g.count == 1 ? " detection" : " detections", " grouped"),
           now});
    }
    InsertEvents(db, kAlertHistory, tenant_id, events);
    if (!created_alerts.empty()) {
      SelectIn(db,
               absl::StrCat("SELECT ", AlertTable().List(),
                            " FROM alerts WHERE tenant_id = ? AND alert_id IN ("),
               tenant_id, created_alerts, [&](::sql::ResultSet& rs) {
                 RecordActivity(
                     db, AlertActivity(v1::ACTIVITY_TYPE_ALERT_CREATED, ReadAlert(rs), actor));
               });
    }
  }
};

}  // namespace

const ListSchema& DetectionStore::DetectionSchema() {
  static const ListSchema* schema = new ListSchema{
      "ListDetections",
      "detections",
      DetectionTable().List(),
      {{"product", "product", FieldType::kEnum, v1::Product_descriptor()},
       {"severity", "severity", FieldType::kEnum, v1::Severity_descriptor()},
       {"alert", "alert_id", FieldType::kResource, nullptr, "alerts"},
       {"alert_key", "alert_key", FieldType::kString},
       {"title", "title", FieldType::kString, nullptr, "", false, true},
       {"device", "device", FieldType::kString, nullptr, "", false, true},
       {"entity", "entity", FieldType::kString, nullptr, "", false, true},
       // The detection's own JSON list, as rows: the same `:` test as on cases.
       {"mitre_techniques",
        "(SELECT 1 FROM JSON_TABLE(detections.mitre_techniques, '$[*]' COLUMNS (value "
        "VARCHAR(64) PATH '$')) AS techniques WHERE ",
        FieldType::kFacet, nullptr, "", false, false, true},
       {"case", "case_id", FieldType::kResource, nullptr, "cases", true},
       // Every case the detection was added to (or converted into): cases:"tenants/t/cases/c".
       {"cases",
        "(SELECT 1 FROM case_detections WHERE case_detections.tenant_id = detections.tenant_id "
        "AND case_detections.detection_id = detections.detection_id AND case_id = ",
        FieldType::kMember, nullptr, "cases"},
       {"detect_time", "detect_time", FieldType::kTime},
       {"create_time", "create_time", FieldType::kTime}},
      {{"create_time", {{"create_time", FieldType::kTime}, {"detection_id", FieldType::kResource}}},
       {"detect_time", {{"detect_time", FieldType::kTime}, {"detection_id", FieldType::kResource}}},
       {"severity",
        {{"severity", FieldType::kEnum},
         {"create_time", FieldType::kTime},
         {"detection_id", FieldType::kResource}}}},
      "create_time desc"};
  return *schema;
}

const ListSchema& DetectionStore::AlertSchema() {
  static const ListSchema* schema = new ListSchema{
      "ListAlerts",
      "alerts",
      AlertTable().List(),
      {{"product", "product", FieldType::kEnum, v1::Product_descriptor()},
       {"severity", "severity", FieldType::kEnum, v1::Severity_descriptor()},
       {"case", "case_id", FieldType::kResource, nullptr, "cases", true},
       {"create_time", "create_time", FieldType::kTime},
       {"update_time", "update_time", FieldType::kTime}},
      {{"create_time", {{"create_time", FieldType::kTime}, {"alert_id", FieldType::kResource}}},
       {"update_time", {{"update_time", FieldType::kTime}, {"alert_id", FieldType::kResource}}},
       {"severity",
        {{"severity", FieldType::kEnum},
         {"create_time", FieldType::kTime},
         {"alert_id", FieldType::kResource}}}},
      "create_time desc"};
  return *schema;
}

absl::StatusOr<std::vector<IngestOutcome>> DetectionStore::Ingest(
    const std::string& tenant_id, const std::vector<DetectionRow>& items, const std::string& actor,
    const IngestRules* rules) {
  std::vector<IngestOutcome> outcomes(items.size());
  if (items.empty()) {
    return outcomes;
  }
  const absl::Time now = DbNow();
  ASSIGN_OR_RETURN(KnownAlerts alerts, FindOrCreateAlerts(*pool_, tenant_id, items, now));
  RETURN_IF_ERROR(RunInTransaction(*pool_, [&](Lease& db) -> absl::Status {
    return IngestTransaction{db, tenant_id, items, actor, rules, outcomes, alerts, now}.Run();
  }));
  return outcomes;
}

absl::StatusOr<std::optional<DetectionRow>> DetectionStore::GetDetection(
    const std::string& tenant_id, const std::string& detection_id) {
  return GetOne<DetectionRow>(
      pool_,
      absl::StrCat("SELECT ", DetectionTable().List(),
                   " FROM detections WHERE tenant_id = ? AND detection_id = ?"),
      tenant_id, detection_id, &ReadDetection);
}

absl::StatusOr<std::optional<AlertRow>> DetectionStore::GetAlert(const std::string& tenant_id,
                                                                 const std::string& alert_id) {
  return GetOne<AlertRow>(pool_,
                          absl::StrCat("SELECT ", AlertTable().List(),
                                       " FROM alerts WHERE tenant_id = ? AND alert_id = ?"),
                          tenant_id, alert_id, &ReadAlert);
}

absl::StatusOr<std::string> DetectionStore::ListDetections(const ListParams& params,
                                                           std::vector<DetectionRow>* out) {
  return RunListPage(*pool_, DetectionSchema(), params, &ReadDetection, out);
}

absl::StatusOr<std::string> DetectionStore::ListAlerts(const ListParams& params,
                                                       std::vector<AlertRow>* out) {
  return RunListPage(*pool_, AlertSchema(), params, &ReadAlert, out);
}

absl::StatusOr<std::string> DetectionStore::ListAlertEvents(
    const std::string& tenant_id, const std::string& alert_id, const std::string& alert_name,
    int page_size, const std::string& page_token, std::vector<EventRow>* out) {
  return QueryValue<std::string>(*pool_, [&](Lease& db) {
    out->clear();
    return ListEvents(db, kAlertHistory, tenant_id, alert_id, alert_name, page_size, page_token,
                      out);
  });
}

}  // namespace cases::sql
