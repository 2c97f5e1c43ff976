#include "sql/history.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "sql/db_time.h"
#include "sql/list_query.h"

namespace cases::sql {
namespace {

std::string ChangesJson(const std::vector<FieldChangeRow>& changes) {
  std::string out = "[";
  for (const FieldChangeRow& c : changes) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", "{\"field\":\"", JsonEscape(c.field),
                    "\",\"old\":\"", JsonEscape(c.old_value), "\",\"new\":\"",
                    JsonEscape(c.new_value), "\"}");
  }
  return out + "]";
}

std::vector<FieldChangeRow> ChangesFromJson(const std::string& json) {
  std::vector<FieldChangeRow> out;
  google::protobuf::ListValue list;
  if (!google::protobuf::util::JsonStringToMessage(json, &list).ok()) {
    return out;
  }
  for (const auto& v : list.values()) {
    const auto& f = v.struct_value().fields();
    auto text = [&](const char* key) {
      auto it = f.find(key);
      return it == f.end() ? std::string() : it->second.string_value();
    };
    out.push_back({text("field"), text("old"), text("new")});
  }
  return out;
}

}  // namespace

void InsertEvents(Lease& db, const HistoryTable& table, const std::string& tenant_id,
                  const std::vector<EventRow>& events) {
  if (events.empty()) {
    return;
  }
  InsertRows(db,
             absl::StrCat("INSERT INTO ", table.table, " (tenant_id, ", table.parent_id,
                          ", event_id, actor, type, changes, summary, create_time) VALUES "),
             "(?, ?, ?, ?, ?, ?, ?, ?)", "", events.size(),
             [&](::sql::PreparedStatement& stmt, int k, size_t i) {
               const EventRow& e = events[i];
               stmt.setString(k++, tenant_id);
               stmt.setString(k++, e.parent_id);
               stmt.setString(k++, e.event_id);
               stmt.setString(k++, e.actor);
               stmt.setInt(k++, e.type);
               stmt.setString(k++, ChangesJson(e.changes));
               stmt.setString(k++, e.summary);
               stmt.setString(k++, FormatDbTime(e.create_time));
               return k;
             });
}

absl::StatusOr<std::string> ListEvents(Lease& db, const HistoryTable& table,
                                       const std::string& tenant_id, const std::string& parent_id,
                                       const std::string& parent_name, int page_size,
                                       const std::string& page_token, std::vector<EventRow>* out) {
  ListSchema schema;
  schema.method = table.table;
  schema.table = table.table;
  schema.columns =
      absl::StrCat(table.parent_id, ", event_id, actor, type, changes, summary, create_time");
  // Event ids are UUIDv7: their order is the order of creation.
  schema.orders = {{"create_time", {{"event_id", FieldType::kResource}}}};
  schema.default_order = "create_time";
  ListParams params;
  params.tenant_ids = {tenant_id};
  params.parent = parent_name;
  params.page_size = page_size;
  params.page_token = page_token;
  params.scope = {absl::StrCat(table.parent_id, " = ?"), {parent_id}};
  return ListPage(db, schema, params, [&](::sql::ResultSet& rs) {
    EventRow e;
    e.parent_id = rs.getString(1);
    e.event_id = rs.getString(2);
    e.actor = rs.getString(3);
    e.type = rs.getInt(4);
    e.changes = ChangesFromJson(rs.getString(5));
    e.summary = rs.getString(6);
    e.create_time = ParseDbTime(std::string(rs.getString(7)));
    out->push_back(std::move(e));
  });
}

}  // namespace cases::sql
