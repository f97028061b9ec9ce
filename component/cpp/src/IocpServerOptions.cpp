// The walkers of the option table that every build has (IocpServerOptions.h): rows, check, copy.
#include "IocpServerOptions.h"

#include <algorithm>
#include <variant>

namespace Iocp {
namespace options {

namespace {

// rows(): the flat list, with a new server's values.
class Lister : public Path {
 public:
  std::vector<Row> rows;

  template <typename T>
  void number(const Key& k, const T& v, long long lo, long long hi) {
    add(k, Kind::Number, lo, hi, std::to_string(static_cast<long long>(v)));
  }
  void boolean(const Key& k, const bool& v) { add(k, Kind::Boolean, 0, 1, v ? "true" : "false"); }
  void text(const Key& k, const std::string& v) { add(k, Kind::Text, 0, 0, v); }
  template <typename V, typename E, std::size_t N>
  void choice(const Key& k, const V& v, const Name<E> (&list)[N]) {
    long long lo = static_cast<long long>(list[0].value), hi = lo;
    std::vector<std::pair<long long, std::string>> names;
    std::string current;
    for (const Name<E>& n : list) {
      const auto value = static_cast<long long>(n.value);
      if (current.empty() && n.value == v) current = n.text;
      bool alias = false;
      for (const Name<E>& m : list) alias = alias || (&m < &n && m.value == n.value);
      if (alias) continue;
      names.emplace_back(value, n.text);
      lo = std::min(lo, value);
      hi = std::max(hi, value);
    }
    add(k, Kind::Choice, lo, hi, current);
    rows.back().names = names;
  }
  template <typename E, std::size_t N>
  void flags(const Key& k, const TIocpSet<E>& v, const Name<E> (&list)[N]) {
    add(k, Kind::Flags, 0, flagsMask(list), flagsText(v.Bits, list));
    for (const Name<E>& n : list) rows.back().names.emplace_back(1LL << n.value, n.text);
  }
  void bindings(const char*, const TIocpSocketHandles&) {}
  void certificates(const char*, const std::vector<TIocpSNICertificate>&) {}

 private:
  void add(const Key& k, Kind kind, long long lo, long long hi, const std::string& value) {
    rows.push_back(Row{k.id, kind, k.macro, at(k.name), k.help, lo, hi, value, {}});
  }
};

// check(): the first value out of its range raises.
class Checker : public Path {
 public:
  template <typename T>
  void number(const Key& k, const T& v, long long lo, long long hi) {
    const auto n = static_cast<long long>(v);
    if (n < lo || n > hi) refuse(k, std::to_string(n), allowedRange(lo, hi));
  }
  void boolean(const Key&, const bool&) {}
  void text(const Key&, const std::string&) {}
  template <typename V, typename E, std::size_t N>
  void choice(const Key& k, const V& v, const Name<E> (&list)[N]) {
    for (const Name<E>& n : list) {
      if (n.value == v) return;
    }
    refuse(k, std::to_string(static_cast<long long>(v)), allowedNames(list));
  }
  template <typename E, std::size_t N>
  void flags(const Key& k, const TIocpSet<E>& v, const Name<E> (&list)[N]) {
    if (v.Bits & ~flagsMask(list)) refuse(k, std::to_string(v.Bits), allowedNames(list));
  }
  void bindings(const char*, const TIocpSocketHandles&) {}
  void certificates(const char*, const std::vector<TIocpSNICertificate>&) {}

 private:
  [[noreturn]] void refuse(const Key& k, const std::string& value, const std::string& allowed) const {
    throw EIdException(notAllowed(at(k.name), value, allowed));
  }
};

// copy(): Taker reads every value of one server in table order, Giver writes them to another.
struct Binding {
  std::string IP;
  uint16_t Port;
};
using Value = std::variant<long long, bool, std::string, std::vector<Binding>, std::vector<TIocpSNICertificate>>;

class Taker : public Path {
 public:
  std::vector<Value> values;
  template <typename T>
  void number(const Key&, const T& v, long long, long long) {
    values.emplace_back(static_cast<long long>(v));
  }
  void boolean(const Key&, const bool& v) { values.emplace_back(v); }
  void text(const Key&, const std::string& v) { values.emplace_back(v); }
  template <typename V, typename E, std::size_t N>
  void choice(const Key&, const V& v, const Name<E> (&)[N]) {
    values.emplace_back(static_cast<long long>(v));
  }
  template <typename E, std::size_t N>
  void flags(const Key&, const TIocpSet<E>& v, const Name<E> (&)[N]) {
    values.emplace_back(static_cast<long long>(v.Bits));
  }
  void bindings(const char*, const TIocpSocketHandles& list) {
    std::vector<Binding> b;
    for (int i = 0; i < list.Count(); ++i) b.push_back(Binding{list[i].IP, list[i].Port});
    values.emplace_back(std::move(b));
  }
  void certificates(const char*, const std::vector<TIocpSNICertificate>& list) { values.emplace_back(list); }
};

class Giver : public Path {
 public:
  explicit Giver(const std::vector<Value>& values) : values_(values) {}
  template <typename T>
  void number(const Key&, T& v, long long, long long) {
    v = static_cast<T>(std::get<long long>(next()));
  }
  void boolean(const Key&, bool& v) { v = std::get<bool>(next()); }
  void text(const Key&, std::string& v) { v = std::get<std::string>(next()); }
  template <typename V, typename E, std::size_t N>
  void choice(const Key&, V& v, const Name<E> (&)[N]) {
    v = static_cast<V>(std::get<long long>(next()));
  }
  template <typename E, std::size_t N>
  void flags(const Key&, TIocpSet<E>& v, const Name<E> (&)[N]) {
    v.Bits = static_cast<unsigned>(std::get<long long>(next()));
  }
  void bindings(const char*, TIocpSocketHandles& list) {
    list.Clear();
    for (const Binding& b : std::get<std::vector<Binding>>(next())) {
      TIocpSocketHandle& h = list.Add();
      h.IP = b.IP;
      h.Port = b.Port;
    }
  }
  void certificates(const char*, std::vector<TIocpSNICertificate>& list) {
    list = std::get<std::vector<TIocpSNICertificate>>(next());
  }

 private:
  const Value& next() { return values_.at(i_++); }
  const std::vector<Value>& values_;
  std::size_t i_ = 0;
};

}  // namespace

const std::vector<Row>& rows() {
  static const std::vector<Row> table = [] {
    const TIocpTCPServer fresh;
    Lister l;
    describe(l, fresh);
    return l.rows;
  }();
  return table;
}

void check(const TIocpTCPServer& server) {
  Checker c;
  describe(c, server);
}

void copy(const TIocpTCPServer& from, TIocpTCPServer& to) {
  Taker t;
  describe(t, from);
  Giver g(t.values);
  describe(g, to);
}

}  // namespace options
}  // namespace Iocp
