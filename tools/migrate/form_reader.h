// A reader for text forms (.dfm .fmx .lfm): the object tree with each property's byte range,
// so a rewriter can change one line and leave every other byte as it was.
//
//   object Name: TClass            inherited Name: TClass            inline Name: TClass
//     Prop = value                 Prop.Sub = 'text'#233'more' +     Items = <
//     object Child: TOther           'continued'                      item
//     end                          Data = {0A0B...}                     IP = '0.0.0.0'
//   end                            Strings = ('a' 'b')                end>
//
// It never crashes or loops on malformed input: it stops with an error and the line.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace iocp_migrate {

struct FormProperty {
  std::string name;              // "IOHandlerOptions.IOHandlerType".
  std::size_t begin = 0;         // Offset of the name.
  std::size_t valueBegin = 0;    // Offset of the value.
  std::size_t end = 0;           // Offset after the value.
  std::string value;             // The value's text as written (for simple values).
  std::vector<std::vector<FormProperty>> items;  // A collection's items (Prop = < item ... end >).
};

struct FormObject {
  std::string keyword;           // object, inherited or inline.
  std::string name;              // "" for the old "object TClass" form.
  std::string className;
  std::size_t begin = 0;         // Offset of the keyword.
  std::size_t classBegin = 0;    // Offset of the class name.
  std::size_t end = 0;           // Offset of the closing "end".
  std::vector<FormProperty> properties;
  std::vector<std::unique_ptr<FormObject>> children;
};

struct FormReadResult {
  std::unique_ptr<FormObject> root;  // Null on error.
  std::string error;                 // "line N: ..." when root is null.
};

// True when the bytes are a binary form (TPF0 signature, or a resource header before it).
bool isBinaryForm(const std::string& bytes);

FormReadResult readForm(const std::string& bytes);

}  // namespace iocp_migrate
