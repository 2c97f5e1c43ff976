// A table's columns, described once: name, how the row field is bound to a `?`
// and how it is read back. SELECT lists, INSERT value groups, UPDATE assignments,
// parameter binding and row reading are all derived from that one description,
// so a column is added in one place and the positions cannot drift apart.
//
//   const Columns<QueueRow>& kQueue = *new Columns<QueueRow>(Columns<QueueRow>()
//       .Id("tenant_id", &QueueRow::tenant_id).Text("display_name", &QueueRow::display_name) ...);
//   db.Prepare(absl::StrCat("SELECT ", kQueue.List(), " FROM queues WHERE ..."));
//   QueueRow row = kQueue.Read(*rs);
#ifndef CASES_SQL_COLUMNS_H_
#define CASES_SQL_COLUMNS_H_

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/json.h"
#include "sql/db_time.h"

namespace cases::sql {

template <typename Row>
class Columns {
 public:
  struct Column {
    std::string name;
    std::function<void(::sql::PreparedStatement&, int, const Row&)> bind;
    std::function<void(::sql::ResultSet&, int, Row*)> read;
  };

  // Text, or raw 16-byte ids that are never NULL.
  Columns&& Text(std::string name, std::string Row::*field) && {
    return Add(
        std::move(name), [field](auto& s, int i, const Row& r) { s.setString(i, r.*field); },
        [field](auto& rs, int i, Row* r) { r->*field = rs.getString(i); });
  }
  // A 16-byte id that is NULL when the field is empty (an optional link).
  Columns&& NullableId(std::string name, std::string Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) {
          if ((r.*field).empty()) {
            s.setNull(i, 0);
          } else {
            s.setString(i, r.*field);
          }
        },
        [field](auto& rs, int i, Row* r) {
          r->*field = rs.isNull(i) ? "" : std::string(rs.getString(i));
        });
  }
  Columns&& Int(std::string name, int Row::*field) && {
    return Add(
        std::move(name), [field](auto& s, int i, const Row& r) { s.setInt(i, r.*field); },
        [field](auto& rs, int i, Row* r) { r->*field = rs.getInt(i); });
  }
  Columns&& Int64(std::string name, int64_t Row::*field) && {
    return Add(
        std::move(name), [field](auto& s, int i, const Row& r) { s.setInt64(i, r.*field); },
        [field](auto& rs, int i, Row* r) { r->*field = rs.getInt64(i); });
  }
  Columns&& Time(std::string name, absl::Time Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) { s.setString(i, FormatDbTime(r.*field)); },
        [field](auto& rs, int i, Row* r) {
          r->*field = ParseDbTime(std::string(rs.getString(i)));
        });
  }
  Columns&& NullableTime(std::string name, std::optional<absl::Time> Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) {
          if ((r.*field).has_value()) {
            s.setString(i, FormatDbTime(*(r.*field)));
          } else {
            s.setNull(i, 0);
          }
        },
        [field](auto& rs, int i, Row* r) {
          r->*field = rs.isNull(i)
                          ? std::nullopt
                          : std::optional<absl::Time>(ParseDbTime(std::string(rs.getString(i))));
        });
  }
  // An optional time in a NOT NULL column that holds NoDeadline() for none.
  Columns&& Deadline(std::string name, std::optional<absl::Time> Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) {
          s.setString(i, FormatDbTime((r.*field).value_or(NoDeadline())));
        },
        [field](auto& rs, int i, Row* r) {
          const absl::Time t = ParseDbTime(std::string(rs.getString(i)));
          r->*field = t >= NoDeadline() ? std::nullopt : std::optional<absl::Time>(t);
        });
  }
  // A string map stored as a JSON object.
  Columns&& Map(std::string name, std::map<std::string, std::string> Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) { s.setString(i, JsonFromMap(r.*field)); },
        [field](auto& rs, int i, Row* r) {
          r->*field = MapFromJson(std::string(rs.getString(i)));
        });
  }
  // A string list stored as a JSON array.
  Columns&& List(std::string name, std::vector<std::string> Row::*field) && {
    return Add(
        std::move(name),
        [field](auto& s, int i, const Row& r) { s.setString(i, JsonFromList(r.*field)); },
        [field](auto& rs, int i, Row* r) {
          r->*field = ListFromJson(std::string(rs.getString(i)));
        });
  }

  // "a, b, c": the SELECT list and INSERT column list.
  const std::string& List() const { return list_; }
  // "(?, ?, ?)": one INSERT value group; `placeholders` replaces the `?` of
  // named columns by an expression with one `?` (e.g. "LAST_INSERT_ID() - ?").
  std::string ValueGroup(const std::map<std::string, std::string>& placeholders = {}) const {
    std::vector<std::string> parts;
    for (const Column& c : columns_) {
      auto it = placeholders.find(c.name);
      parts.push_back(it == placeholders.end() ? "?" : it->second);
    }
    return absl::StrCat("(", absl::StrJoin(parts, ", "), ")");
  }
  // "a = ?, b = ?" for the named columns, in description order.
  std::string Assignments(const std::set<std::string>& names) const {
    std::vector<std::string> parts;
    for (const Column& c : columns_) {
      if (names.count(c.name) != 0) {
        parts.push_back(c.name + " = ?");
      }
    }
    return absl::StrJoin(parts, ", ");
  }

  // Binds every column of `row` (or only `names`) from index `first`; returns the next index.
  int Bind(::sql::PreparedStatement& stmt, int first, const Row& row,
           const std::set<std::string>* names = nullptr) const {
    for (const Column& c : columns_) {
      if (names == nullptr || names->count(c.name) != 0) {
        c.bind(stmt, first++, row);
      }
    }
    return first;
  }
  // A row from the columns starting at `first` (1-based), in description order.
  Row Read(::sql::ResultSet& rs, int first = 1) const {
    Row row;
    for (const Column& c : columns_) {
      c.read(rs, first++, &row);
    }
    return row;
  }

  size_t size() const { return columns_.size(); }

 private:
  template <typename BindFn, typename ReadFn>
  Columns&& Add(std::string name, BindFn bind, ReadFn read) {
    list_ += (list_.empty() ? "" : ", ") + name;
    columns_.push_back(
        Column{std::move(name),
               [bind](::sql::PreparedStatement& s, int i, const Row& r) { bind(s, i, r); },
               [read](::sql::ResultSet& rs, int i, Row* r) { read(rs, i, r); }});
    return std::move(*this);
  }

  std::vector<Column> columns_;
  std::string list_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_COLUMNS_H_
