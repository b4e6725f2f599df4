// SPDX-License-Identifier: Apache-2.0
#include "tests/codec/uts_reader.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace ikeh::testing {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One lexical token of the Python code: what the extractors need is the
// string literals (decoded), identifiers and parentheses, in order.
struct Token {
  enum Kind { String, Ident, Open, Close, Other } kind = Other;
  std::string text;  // identifier name, or the decoded string contents
  bool is_bytes = false;
  bool ok = true;  // false: malformed literal (bad escape, unterminated)
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the body of a non-raw literal the way Python does for bytes
// (\x takes exactly two hex digits; unknown escapes keep the backslash).
bool unescape(std::string_view body, std::string& out) {
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == body.size()) return false;
    char e = body[i];
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        if (i + 2 >= body.size()) return false;
        int hi = hex_digit(body[i + 1]);
        int lo = hex_digit(body[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
            v = v * 8 + (body[++i] - '0');
          out += static_cast<char>(v & 0xff);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return true;
}

// Lexes the string literal whose opening quote is at s[i]; returns the
// index just past it, or npos when it is unterminated.
std::size_t lex_string(std::string_view s, std::size_t i, bool raw, Token& t) {
  t.kind = Token::String;
  const char q = s[i];
  const std::string q3(3, q);
  const bool triple = s.substr(i, 3) == q3;
  const std::size_t open = triple ? 3 : 1;
  for (std::size_t j = i + open; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
      continue;
    }
    if (!triple && s[j] == '\n') break;
    if (s[j] == q && (!triple || s.substr(j, 3) == q3)) {
      std::string_view body = s.substr(i + open, j - i - open);
      if (raw)
        t.text = std::string(body);
      else
        t.ok = unescape(body, t.text);
      return j + open;
    }
  }
  t.ok = false;
  return std::string_view::npos;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> toks;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    bool is_bytes = false, raw = false, prefixed = false;
    if (is_ident(c)) {
      std::size_t start = i;
      while (i < s.size() && is_ident(s[i])) ++i;
      std::string_view word = s.substr(start, i - start);
      // A short run of prefix letters right before a quote starts a literal.
      prefixed = i < s.size() && (s[i] == '\'' || s[i] == '"') && word.size() <= 2 &&
                 word.find_first_not_of("bBrRuUfF") == std::string_view::npos;
      if (!prefixed) {
        Token t;
        t.kind = Token::Ident;
        t.text = std::string(word);
        toks.push_back(std::move(t));
        continue;
      }
      is_bytes = word.find_first_of("bB") != std::string_view::npos;
      raw = word.find_first_of("rR") != std::string_view::npos;
      c = s[i];
    }
    if (c == '\'' || c == '"') {
      Token t;
      t.is_bytes = is_bytes;
      i = lex_string(s, i, raw, t);
      toks.push_back(std::move(t));
      if (i == std::string_view::npos) break;
      continue;
    }
    Token t;
    t.kind = c == '(' ? Token::Open : c == ')' ? Token::Close : Token::Other;
    t.text = std::string(1, c);
    toks.push_back(std::move(t));
    ++i;
  }
  return toks;
}

// Token indexes of the string literals that make up each hex call, in order.
std::vector<std::vector<const Token*>> hex_calls(const std::vector<Token>& toks) {
  std::vector<std::vector<const Token*>> calls;
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    if (toks[i].kind != Token::Ident || (toks[i].text != "unhexlify" && toks[i].text != "fromhex")) continue;
    if (toks[i + 1].kind != Token::Open) continue;
    std::vector<const Token*> parts;
    int depth = 0;
    std::size_t j = i + 1;
    for (; j < toks.size(); ++j) {
      if (toks[j].kind == Token::Open) ++depth;
      if (toks[j].kind == Token::Close && --depth == 0) break;
      if (toks[j].kind == Token::String) parts.push_back(&toks[j]);
    }
    calls.push_back(std::move(parts));
    i = j;
  }
  return calls;
}

}  // namespace

std::optional<UtsFile> UtsFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  UtsFile f;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    f.lines_.push_back(std::move(line));
  }
  return f;
}

std::size_t UtsFile::line_of(std::string_view title) const {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    std::string_view l = lines_[i];
    if (!l.empty() && l.front() == '=' && trim(l.substr(1)) == trim(title)) return i + 1;
  }
  return 0;
}

std::optional<std::string> UtsFile::block(std::string_view title) const {
  std::size_t first = line_of(title);
  if (first == 0) return std::nullopt;
  std::string out;
  for (std::size_t i = first; i < lines_.size(); ++i) {
    const std::string& l = lines_[i];
    if (!l.empty() && (l.front() == '=' || l.front() == '+')) break;
    out += l;
    out += '\n';
  }
  return out;
}

std::optional<core::Bytes> bytes_literal(std::string_view code, std::size_t n) {
  std::size_t seen = 0;
  for (const auto& t : tokenize(code)) {
    if (t.kind != Token::String || !t.is_bytes) continue;
    if (seen++ != n) continue;
    if (!t.ok) return std::nullopt;
    return core::Bytes(t.text.begin(), t.text.end());
  }
  return std::nullopt;
}

std::optional<core::Bytes> hex_literal(std::string_view code, std::size_t n) {
  auto toks = tokenize(code);
  auto calls = hex_calls(toks);
  if (n >= calls.size()) return std::nullopt;
  std::string digits;
  for (const Token* t : calls[n]) {
    if (!t->ok) return std::nullopt;
    for (char c : t->text)
      if (!std::isspace(static_cast<unsigned char>(c))) digits += c;
  }
  if (digits.empty()) return std::nullopt;
  return core::from_hex(digits);
}

std::size_t count_bytes_literals(std::string_view code) {
  std::size_t n = 0;
  for (const auto& t : tokenize(code))
    if (t.kind == Token::String && t.is_bytes) ++n;
  return n;
}

std::size_t count_hex_literals(std::string_view code) { return hex_calls(tokenize(code)).size(); }

}  // namespace ikeh::testing
