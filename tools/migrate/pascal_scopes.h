// What a name means where it is written in a Pascal unit, as far as the migration needs it: the
// compiler looks a name up innermost first (the members of the objects of enclosing `with`
// statements, the routine's parameters and locals and those of the routines around it, the
// members of the method's class and of its ancestors declared here, the unit's own declarations)
// and only then among the units of the uses clauses. So a data module field `IdTCPServer:
// TIdTCPServer` makes `IdTCPServer.Active` in its methods the field, not Indy's unit.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pascal_lexer.h"

namespace iocp_migrate {

class PascalScopes {
 public:
  PascalScopes(const std::string& src, const std::vector<PasToken>& tokens);

  // Whether `name` written at raw token k means something this unit declares (a local, a
  // parameter, a member of the class or of a `with` object, a unit-level declaration), which hides
  // a unit of that name there.
  bool declaredAt(std::size_t k, const std::string& name) const;
  // The declared type (lower case) of `name` written at raw token k, as far as this unit says
  // (a local, a parameter, a member of the method's class, a unit-level variable); "" if unknown.
  std::string typeAt(std::size_t k, const std::string& name) const;
  // The objects of the with statements around raw token k, innermost first, each as the last
  // identifier of its expression (lower case: "iohandler" for AContext.Connection.IOHandler).
  std::vector<std::string> withObjectsAt(std::size_t k) const;
  // The raw token range of the innermost routine around raw token k (header to body end), or of
  // the whole unit where k is in none: where a name declared at k can be assigned.
  std::pair<std::size_t, std::size_t> scopeAt(std::size_t k) const;
  // `type` (lower case) and the ancestors this unit declares for it, nearest first.
  std::vector<std::string> lineage(const std::string& type) const;

 private:
  struct ClassInfo {
    std::string ancestor;                        // Lower case; "" for none.
    std::map<std::string, std::string> members;  // Lower-case name -> its type (lower case, "" unknown).
  };
  struct Routine {
    std::size_t first = 0, last = 0;  // Raw token range: the header to the body's end.
    std::string ownerClass;           // Lower case: TFoo of "procedure TFoo.Bar"; "" for none.
    std::map<std::string, std::string> locals;  // Parameters and locals -> type.
    int parent = -1;                  // The routine this one is nested in.
  };
  struct With {
    std::size_t first = 0, last = 0;  // Raw tokens of the statement after "do".
    std::vector<std::string> objects;  // Lower-case identifiers (or "" for an expression).
    std::vector<std::string> lastIdents;  // Each expression's last identifier (lower case).
  };

  std::string word(std::size_t i) const;  // Significant token i, lower case.
  bool sym(std::size_t i, const char* s) const;
  bool is(std::size_t i, const char* w) const;
  bool ident(std::size_t i) const;
  // "A, B, C" from significant token i into names; returns the token after the list.
  std::size_t identList(std::size_t i, std::vector<std::string>& names) const;
  std::size_t matchingEnd(std::size_t i) const;  // From a begin/try/case/asm/record: its end.
  std::size_t parseType(std::size_t i);          // At "class"/"record"/...: returns past its end.
  // Declarations "A, B: T;" / "A = ...;" from i up to a keyword that ends the section.
  std::size_t parseDeclarations(std::size_t i, std::map<std::string, std::string>& into);
  std::size_t parseRoutine(std::size_t i, int parent);  // At procedure/function/...: past its end.
  void parseWiths(std::size_t from, std::size_t to);
  std::string typeOf(const std::string& name, int routine) const;
  int routineAt(std::size_t k) const;  // The innermost routine around raw token k, or -1.
  std::vector<const With*> withsAround(std::size_t k) const;  // Innermost first.
  bool member(const std::string& cls, const std::string& name) const;

  const std::string& src_;
  const std::vector<PasToken>& toks_;
  std::vector<std::size_t> sig_;  // Significant tokens' raw indexes.
  std::map<std::string, ClassInfo> classes_;
  std::map<std::string, std::string> unitNames_;  // Unit-level declarations -> type.
  std::vector<Routine> routines_;
  std::vector<With> withs_;
};

}  // namespace iocp_migrate
