#include "common/filter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace cases {
namespace {

struct Token {
  enum class Type { kLParen, kRParen, kOp, kAnd, kOr, kNot, kText, kString, kEnd };
  Type type;
  std::string text;
  size_t position;
};

bool IsTextChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == '+' || c == '/' || c == '*' || static_cast<unsigned char>(c) >= 0x80;
}

absl::StatusOr<std::vector<Token>> Lex(absl::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    const size_t start = i;
    if (c == '(' || c == ')') {
      out.push_back(
          {c == '(' ? Token::Type::kLParen : Token::Type::kRParen, std::string(1, c), start});
      ++i;
    } else if (c == '=' || c == ':') {
      out.push_back({Token::Type::kOp, std::string(1, c), start});
      ++i;
    } else if (c == '!' || c == '<' || c == '>') {
      if (i + 1 < in.size() && in[i + 1] == '=') {
        out.push_back({Token::Type::kOp, std::string(in.substr(i, 2)), start});
        i += 2;
      } else if (c == '!') {
        return FilterError(
            absl::StrCat("unexpected '!' at position ", start, " (did you mean !=?)"));
      } else {
        out.push_back({Token::Type::kOp, std::string(1, c), start});
        ++i;
      }
    } else if (c == '"') {
      std::string text;
      ++i;
      bool closed = false;
      while (i < in.size()) {
        if (in[i] == '\\' && i + 1 < in.size()) {
          text.push_back(in[i + 1]);
          i += 2;
        } else if (in[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          text.push_back(in[i++]);
        }
      }
      if (!closed) {
        return FilterError(absl::StrCat("unterminated string starting at position ", start));
      }
      out.push_back({Token::Type::kString, std::move(text), start});
    } else if (IsTextChar(c)) {
      while (i < in.size() && IsTextChar(in[i])) {
        ++i;
      }
      std::string text(in.substr(start, i - start));
      Token::Type type = text == "AND"   ? Token::Type::kAnd
                         : text == "OR"  ? Token::Type::kOr
                         : text == "NOT" ? Token::Type::kNot
                                         : Token::Type::kText;
      out.push_back({type, std::move(text), start});
    } else {
      return FilterError(
          absl::StrCat("unexpected character '", std::string(1, c), "' at position ", start));
    }
  }
  out.push_back({Token::Type::kEnd, "", in.size()});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<FilterExpr> Parse() {
    auto expr = Expression(0);
    if (!expr.ok()) {
      return expr;
    }
    if (Peek().type != Token::Type::kEnd) {
      return Unexpected(Peek());
    }
    return expr;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }

  static absl::Status Unexpected(const Token& t) {
    if (t.type == Token::Type::kEnd) {
      return FilterError("unexpected end of filter");
    }
    return FilterError(absl::StrCat("unexpected '", t.text, "' at position ", t.position));
  }

  static FilterExpr Combine(FilterExpr::Kind kind, std::vector<FilterExpr> parts) {
    if (parts.size() == 1) {
      return std::move(parts.front());
    }
    FilterExpr e;
    e.kind = kind;
    e.children = std::move(parts);
    return e;
  }

  bool StartsTerm() const {
    const auto t = Peek().type;
    return t == Token::Type::kLParen || t == Token::Type::kNot || t == Token::Type::kText ||
           t == Token::Type::kString;
  }

  // expression := sequence { AND sequence }; sequence := factor { factor }
  absl::StatusOr<FilterExpr> Expression(int depth) {
    if (depth > kMaxFilterDepth) {
      return FilterError("filter nests too deeply");
    }
    std::vector<FilterExpr> parts;
    while (true) {
      auto factor = Factor(depth);
      if (!factor.ok()) {
        return factor;
      }
      parts.push_back(std::move(*factor));
      if (Peek().type == Token::Type::kAnd) {
        Next();
        continue;
      }
      if (StartsTerm()) {
        continue;  // juxtaposition is AND
      }
      return Combine(FilterExpr::Kind::kAnd, std::move(parts));
    }
  }

  // factor := term { OR term }
  absl::StatusOr<FilterExpr> Factor(int depth) {
    std::vector<FilterExpr> parts;
    while (true) {
      auto term = Term(depth);
      if (!term.ok()) {
        return term;
      }
      parts.push_back(std::move(*term));
      if (Peek().type != Token::Type::kOr) {
        return Combine(FilterExpr::Kind::kOr, std::move(parts));
      }
      Next();
    }
  }

  // term := [NOT | -] simple; simple := ( expression ) | field op value
  absl::StatusOr<FilterExpr> Term(int depth) {
    bool negate = false;
    if (Peek().type == Token::Type::kNot) {
      Next();
      negate = true;
    }
    absl::StatusOr<FilterExpr> inner;
    if (Peek().type == Token::Type::kLParen) {
      Next();
      inner = Expression(depth + 1);
      if (!inner.ok()) {
        return inner;
      }
      if (Peek().type != Token::Type::kRParen) {
        return Peek().type == Token::Type::kEnd ? FilterError("missing ')'") : Unexpected(Peek());
      }
      Next();
    } else {
      inner = Comparison(&negate);
      if (!inner.ok()) {
        return inner;
      }
    }
    if (!negate) {
      return inner;
    }
    FilterExpr e;
    e.kind = FilterExpr::Kind::kNot;
    e.children.push_back(std::move(*inner));
    return e;
  }

  absl::StatusOr<FilterExpr> Comparison(bool* negate) {
    Token field = Next();
    if (field.type != Token::Type::kText && field.type != Token::Type::kString) {
      return Unexpected(field);
    }
    if (field.type == Token::Type::kText && field.text.size() > 1 && field.text.front() == '-') {
      *negate = !*negate;  // `-field = x` is NOT
      field.text.erase(0, 1);
      ++field.position;
    }
    if (++comparisons_ > kMaxFilterComparisons) {
      return FilterError(absl::StrCat("at most ", kMaxFilterComparisons, " comparisons"));
    }
    if (Peek().type != Token::Type::kOp) {
      const std::string word = absl::AsciiStrToUpper(field.text);
      if (field.type == Token::Type::kText && (word == "AND" || word == "OR" || word == "NOT")) {
        return FilterError(absl::StrCat("unexpected '", field.text, "' at position ",
                                        field.position,
                                        ": AND, OR and NOT are written in upper case"));
      }
      FilterExpr text;  // a word or string standing alone: a text term
      text.value = field.text;
      text.position = field.position;
      return text;
    }
    const Token& op = Next();
    if (field.type != Token::Type::kText) {
      return Unexpected(op);  // a quoted string is no field name
    }
    const Token& value = Next();
    if (value.type != Token::Type::kText && value.type != Token::Type::kString) {
      return value.type == Token::Type::kEnd
                 ? FilterError(absl::StrCat("'", field.text, " ", op.text, "' needs a value"))
                 : Unexpected(value);
    }
    FilterExpr e;
    e.field = field.text;
    e.op = op.text;
    e.value = value.text;
    e.position = field.position;
    return e;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int comparisons_ = 0;
};

}  // namespace

absl::Status FilterError(const std::string& description) {
  return InvalidField("filter", description);
}

absl::StatusOr<std::optional<FilterExpr>> ParseFilter(absl::string_view text) {
  if (text.size() > kMaxFilterLength) {
    return FilterError(absl::StrCat("at most ", kMaxFilterLength, " characters"));
  }
  if (absl::StripAsciiWhitespace(text).empty()) {
    return std::optional<FilterExpr>();
  }
  ASSIGN_OR_RETURN(auto tokens, Lex(text));
  auto expr = Parser(std::move(tokens)).Parse();
  if (!expr.ok()) {
    return expr.status();
  }
  return std::optional<FilterExpr>(std::move(*expr));
}

}  // namespace cases
