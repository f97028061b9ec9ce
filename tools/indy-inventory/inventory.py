#!/usr/bin/env python3
"""The Indy members inventory: component/pascal/INDY-MEMBERS.md, generated.

  tools/indy-inventory/inventory.py generate INDY_LIB_DIR   (writes INDY-MEMBERS.md)
  tools/indy-inventory/inventory.py check                   (CI: the file is current)

generate reads the interface sections of real Indy 10's units (INDY_LIB_DIR: the Lib directory of
an IndySockets/Indy checkout, e.g. unpacked with `git archive HEAD Lib`), takes every public,
published and protected member of the classes server code touches and the IdGlobal routines of
routines.txt, and looks each up in our Pascal units (through IocpIndyCompat's names). A member
we lack is "missing" unless omissions.txt gives the reason. check re-reads our units and fails if
the file's "ours" column or the counts no longer match (CI has no Indy: Indy's side is taken
from the file itself).
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
OURS = os.path.join(ROOT, 'component', 'pascal')
OUT = os.path.join(OURS, 'INDY-MEMBERS.md')

# Indy class (unit) -> our class. Order = the file's order.
CLASSES = [
    ('TIdCustomTCPServer', 'Core/IdCustomTCPServer.pas', 'TIocpCustomTCPServer'),
    ('TIdTCPServer', 'Core/IdTCPServer.pas', 'TIocpTCPServer'),
    ('TIdContext', 'Core/IdContext.pas', 'TIocpContext'),
    ('TIdTask', 'Core/IdTask.pas', 'TIocpContext'),
    ('TIdServerContext', 'Core/IdCustomTCPServer.pas', 'TIocpContext'),
    ('TIdTCPConnection', 'Core/IdTCPConnection.pas', 'TIocpTCPConnection'),
    ('TIdIOHandler', 'Core/IdIOHandler.pas', 'TIocpIOHandler'),
    ('TIdIOHandlerSocket', 'Core/IdIOHandlerSocket.pas', 'TIocpIOHandler'),
    ('TIdIOHandlerStack', 'Core/IdIOHandlerStack.pas', 'TIocpIOHandler'),
    ('TIdBuffer', 'Core/IdBuffer.pas', 'TIocpBuffer'),
    ('TIdSocketHandle', 'Core/IdSocketHandle.pas', 'TIocpSocketHandle'),
    ('TIdSocketHandles', 'Core/IdSocketHandle.pas', 'TIocpSocketHandles'),
    ('TIdYarn', 'Core/IdYarn.pas', 'TIocpYarn'),
    ('TIdComponent', 'System/IdComponent.pas', 'TIocpCustomTCPServer'),
    ('TIdSync', 'Core/IdSync.pas', 'TIocpSync'),
    ('TIdNotify', 'Core/IdSync.pas', 'TIocpNotify'),
    ('TIdThreadSafe', 'Core/IdThreadSafe.pas', 'TIocpThreadSafe'),
    ('TIdThreadSafeInteger', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeInteger'),
    ('TIdThreadSafeInt64', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeInt64'),
    ('TIdThreadSafeBoolean', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeBoolean'),
    ('TIdThreadSafeString', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeString'),
    ('TIdThreadSafeStringList', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeStringList'),
    ('TIdThreadSafeList', 'Core/IdThreadSafe.pas', 'TIocpThreadSafeList'),
    ('TIdStack', 'System/IdStack.pas', 'TIdStack'),
]
OUR_UNITS = ['IocpTCPServer.pas', 'IocpIOHandler.pas', 'IocpGlobal.pas', 'IocpIndyCompat.pas', 'IocpTCPClient.pas',
             'IocpSync.pas']
# Our classes' ancestors that count (a member of TComponent is there for every component).
OUR_ANCESTORS = {'TIocpTCPServer': ['TIocpCustomTCPServer'], 'TIocpSocketHandle': ['TCollectionItem'],
                 'TIocpSocketHandles': ['TOwnedCollection'], 'TIocpThreadSafeList': ['TThreadList']}
for _cls in ('Integer', 'Int64', 'Boolean', 'String', 'StringList'):
    OUR_ANCESTORS['TIocpThreadSafe' + _cls] = ['TIocpThreadSafe']
RTL = {'TCollectionItem': {'Collection', 'Index', 'DisplayName', 'ID', 'GetNamePath', 'Assign'},
       'TOwnedCollection': {'Count', 'Clear', 'Delete', 'Insert', 'BeginUpdate', 'EndUpdate', 'Owner',
                            'Assign', 'FindItemID', 'Items'},
       'TThreadList': {'Add', 'Clear', 'LockList', 'Remove', 'UnlockList', 'Duplicates'},
       'TComponent': {'Name', 'Tag', 'Owner', 'ComponentState', 'Loaded', 'Notification', 'Create', 'Destroy'}}

DECL = re.compile(r'^\s*(class\s+)?(procedure|function|property|constructor|destructor)\s+([A-Za-z_][A-Za-z0-9_]*)', re.I)
SECTION = re.compile(r'^\s*(private|protected|public|published|strict\s+private|strict\s+protected)\s*$', re.I)


def strip_comments(text):
    text = re.sub(r'\{\$[^}]*\}', lambda m: m.group(0), text)  # Keep directives for now.
    text = re.sub(r'\(\*.*?\*\)', ' ', text, flags=re.S)
    text = re.sub(r'\{(?!\$)[^}]*\}', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    return text


def interface_of(text):
    m = re.search(r'\binterface\b(.*?)\bimplementation\b', text, re.S | re.I)
    return m.group(1) if m else text


def class_body(text, name):
    m = re.search(r'\b' + name + r'\s*=\s*class\b(?!\s*(?:;|of\b))(\s*\([^)]*\))?(.*?)^\s*end\b', text, re.S | re.I | re.M)
    if not m:
        return None, None
    parent = (m.group(1) or '').strip(' ()\n')
    return m.group(2), parent


def members(body, visibilities):
    """(visibility, name, declaration) of each member in the given visibilities."""
    out = []
    vis = 'published'  # Delphi's default for a class body without a section.
    lines = body.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if SECTION.match(line):
            vis = SECTION.match(line).group(1).lower().split()[-1]
            i += 1
            continue
        m = DECL.match(line)
        if not m:
            i += 1
            continue
        decl = line.strip()
        depth = decl.count('(') - decl.count(')')
        while (depth > 0 or not re.sub(r'\{\$[^}]*\}', '', decl).rstrip().endswith(';')) and i + 1 < len(lines):
            i += 1
            decl += ' ' + lines[i].strip()
            depth = decl.count('(') - decl.count(')')
        # Directives on the following lines (overload; virtual; ...).
        while i + 1 < len(lines) and re.match(r'^\s*(overload|virtual|override|abstract|reintroduce|deprecated|default|stdcall|cdecl|inline)\b', lines[i + 1], re.I):
            i += 1
            decl += ' ' + lines[i].strip()
        decl = re.sub(r'\{\$IFDEF STRING_IS_ANSI\}', '{$IFNDEF UNICODE}', decl)
        decl = re.sub(r'\s+', ' ', decl)
        name = m.group(3)
        if vis in visibilities and not (vis == 'protected' and re.match(r'(Get|Set)[A-Z]', name)):
            out.append((vis, name, decl))
        i += 1
    return out


def arity(decl):
    """(required, total) parameters of a procedure/function/constructor declaration, where string
    holds bytes ({$IFNDEF UNICODE} parameters count, as Free Pascal and Delphi before 2009 see
    them); None for a property."""
    m = re.match(r'\s*(?:class\s+)?(?:procedure|function|constructor|destructor)\s+\w+\s*(\()?', decl, re.I)
    if not m:
        return None
    if not m.group(1):
        return (0, 0)
    depth, i = 1, m.end()
    while i < len(decl) and depth:
        depth += {'(': 1, ')': -1}.get(decl[i], 0)
        i += 1
    params = re.sub(r'\{\$[^}]*\}', '', decl[m.end():i - 1])
    required = total = 0
    for group in params.split(';'):
        if not group.strip():
            continue
        names = re.sub(r'^\s*(const|var|out|constref)\s+', '', group.split(':')[0].strip(), flags=re.I)
        n = len([x for x in names.split(',') if x.strip()])
        total += n
        if '=' not in group:
            required += n
    return (required, total)


def unaccepted(indy_decl, our_decls):
    """The argument counts Indy's declaration accepts and none of ours does (a call that would
    not compile here), as a sorted list; [] when every call fits."""
    a = arity(indy_decl)
    if a is None:
        return []
    ours = [x for x in (arity(d) for d in our_decls) if x is not None]
    return [k for k in range(a[0], a[1] + 1) if not any(r <= k <= t for r, t in ours)]


def our_members():
    """Our class -> {member name: [declarations]} (with ancestors folded in later)."""
    names = {}
    for unit in OUR_UNITS:
        text = interface_of(strip_comments(open(os.path.join(OURS, unit), encoding='utf-8').read()))
        # Our classes, and the Indy-named ones IocpIndyCompat declares itself (TIdStack).
        for cls in re.findall(r'\b(TIocp[A-Za-z0-9]+|TIdStack)\s*=\s*class\b(?!\s*(?:;|of\b))', text):
            body, _ = class_body(text, cls)
            if body is None:
                continue
            for _, n, d in members(body, ('public', 'published', 'protected')):
                names.setdefault(cls, {}).setdefault(n, []).append(d)
    return names


def our_decls(cls, name, names):
    """Every declaration of `name` in our class and its ancestors (overloads may be split)."""
    seen = [cls] + OUR_ANCESTORS.get(cls, [])
    for c in list(seen):
        seen += OUR_ANCESTORS.get(c, [])
    out = []
    for c in seen:
        out += names.get(c, {}).get(name, [])
    return out


def ours_for(cls, name, names):
    seen = [cls] + OUR_ANCESTORS.get(cls, [])
    for c in list(seen):
        seen += OUR_ANCESTORS.get(c, [])
    for c in seen:
        if name in names.get(c, set()) or name in RTL.get(c, set()):
            return c
    if name in RTL['TComponent'] and cls in ('TIocpCustomTCPServer', 'TIocpTCPServer'):
        return 'TComponent'
    return None


def routines_ours():
    """Routines a unit sees where IdGlobal was replaced: by IocpGlobal (iocp-migrate's rename mode)
    and by IocpIndyCompat (compat mode), as ({name: [declarations]}, {name: set of our units});
    a routine counts as ours only where both have it."""
    # The IdGlobal helpers come from an include file (declarations under IOCP_IDGLOBAL_INTERFACE)
    # that both units include.
    inc = strip_comments(open(os.path.join(OURS, 'IocpIdGlobal.inc'), encoding='utf-8').read()).split('{$ELSE}')[0]
    decls, where = {}, {}
    for unit in ('IocpGlobal', 'IocpIndyCompat'):
        text = interface_of(strip_comments(open(os.path.join(OURS, unit + '.pas'), encoding='utf-8').read()))
        if '{$I IocpIdGlobal.inc}' in text:
            text += inc
        for decl in re.findall(r'^\s*((?:procedure|function)\s+[A-Za-z_][A-Za-z0-9_]*[^;]*(?:\([^)]*\))?[^;]*;)', text, re.M):
            decl = re.sub(r'\s+', ' ', decl)
            name = re.match(r'(?:procedure|function)\s+(\w+)', decl).group(1)
            where.setdefault(name, set()).add(unit)
            if unit == 'IocpIndyCompat':
                decls.setdefault(name, []).append(decl)
    return decls, where


def load_omissions():
    out = {}
    for line in open(os.path.join(HERE, 'omissions.txt'), encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        key, _, reason = line.partition(': ')
        out[key.strip()] = reason.strip()
    return out


def worse(a, b):
    """The status that counts for a member whose overloads have statuses a and b."""
    order = ['yes', 'omitted', 'partial', 'missing']
    return b if a is None or order.index(b) > order.index(a) else a


def status(key, ours, omissions, missing_counts=()):
    if ours and missing_counts:
        counts = ', '.join(str(k) for k in missing_counts)
        return 'partial', omissions.get(key, 'a call with %s argument%s does not compile here' %
                                        (counts, '' if len(missing_counts) == 1 else 's'))
    if ours:
        return 'yes', ''
    if key in omissions:
        return 'omitted', omissions[key]
    return 'missing', ''


def row(name, decl, ours, st, reason):
    return '| `%s` | `%s` | %s | %s%s |' % (name, decl.replace('|', '\\|'), ours or '-', st, (': ' + reason) if reason else '')


def render(indy_classes, indy_routines):
    names = our_members()
    ours_r, ours_where = routines_ours()
    omissions = load_omissions()
    member_status = {}  # One status per distinct member: its overloads' worst.
    body = []
    for indy_cls, unit, our_cls, mems in indy_classes:
        body.append('\n## %s (%s) -> %s\n' % (indy_cls, unit, our_cls))
        body.append('| Member | Indy\'s declaration | Ours | Status |')
        body.append('|---|---|---|---|')
        done = set()
        for vis, name, decl in mems:
            key = indy_cls + '.' + name
            ours = ours_for(our_cls, name, names)
            gaps = unaccepted(decl, our_decls(our_cls, name, names)) if ours and ours != 'TComponent' else []
            st, reason = status(key, ours, omissions, gaps)
            member_status[key] = worse(member_status.get(key), st)
            body.append(row(name, decl, ours, st, reason))
    body.append('\n## IdGlobal and friends: routines server code calls\n')
    body.append('| Routine | Indy\'s declaration | Ours | Status |')
    body.append('|---|---|---|---|')
    done = set()
    for name, decl in indy_routines:
        key = 'IdGlobal.' + name
        units = sorted(ours_where.get(name, ()))
        ours = ', '.join(units) if units else None
        gaps = unaccepted(decl, ours_r.get(name, [])) if ours else []
        st, reason = status(key, ours, omissions, gaps)
        if st == 'yes' and len(units) < 2:
            st, reason = 'partial', 'only in ' + units[0] + ' (a unit migrated the other way does not see it)'
        member_status[key] = worse(member_status.get(key), st)
        body.append(row(name, decl, ours, st, reason))
    counts = {'yes': 0, 'partial': 0, 'omitted': 0, 'missing': 0}
    for st in member_status.values():
        counts[st] += 1
    head = ['# Indy members: what our units offer (generated)', '',
            'Generated by `tools/indy-inventory/inventory.py generate INDY_LIB_DIR` from real Indy 10\'s',
            'interface sections; `inventory.py check` (in ctest) keeps the "Ours" column current. Indy\'s',
            'declarations are shown as Indy writes them (`{$IFNDEF UNICODE}` marks Indy\'s',
            'STRING_IS_ANSI parameters: where string holds bytes). "Ours" names the class of ours that',
            'has the member (through IocpIndyCompat\'s Indy names); a member we lack is "omitted" with',
            'the reason (tools/indy-inventory/omissions.txt) or "missing"; "partial" where we have it but',
            'a call Indy accepts (its number of arguments, counting defaults) would not compile here',
            '(the check counts arguments; it does not compare their types).', '',
            'Counts (distinct members): **%d present, %d partial, %d omitted with a reason, %d missing**.' %
            (counts['yes'], counts['partial'], counts['omitted'], counts['missing'])]
    return '\n'.join(head + body) + '\n', counts


def generate(lib):
    indy_classes = []
    for indy_cls, unit, our_cls in CLASSES:
        text = interface_of(strip_comments(open(os.path.join(lib, unit), encoding='latin-1').read()))
        body, _ = class_body(text, indy_cls)
        if body is None:
            sys.exit('inventory.py: %s not found in %s' % (indy_cls, unit))
        vis = ('public', 'published', 'protected') if indy_cls in ('TIdCustomTCPServer', 'TIdContext') else ('public', 'published')
        indy_classes.append((indy_cls, unit, our_cls, members(body, vis)))
    wanted = [l.strip() for l in open(os.path.join(HERE, 'routines.txt')) if l.strip() and not l.startswith('#')]
    indy_routines = []
    texts = {}
    for name in wanted:
        unit, _, routine = name.rpartition('.')
        path = os.path.join(lib, unit)
        if path not in texts:
            texts[path] = interface_of(strip_comments(open(path, encoding='latin-1').read()))
        decls = re.findall(r'^\s*((?:procedure|function)\s+' + routine + r'\b[^;]*(?:\([^)]*\))?[^;]*;(?:\s*overload;)?)',
                           texts[path], re.M | re.I)
        if not decls:
            sys.exit('inventory.py: %s not found in %s' % (routine, unit))
        for d in decls:
            indy_routines.append((routine, re.sub(r'\s+', ' ', d)))
    text, counts = render(indy_classes, indy_routines)
    open(OUT, 'w', encoding='utf-8').write(text)
    print('inventory.py: %s written: %d present, %d partial, %d omitted, %d missing'
          % (OUT, counts['yes'], counts['partial'], counts['omitted'], counts['missing']))


def parse_md(path):
    """Indy's side back from the generated file."""
    indy_classes, indy_routines = [], []
    current = None
    for line in open(path, encoding='utf-8'):
        m = re.match(r'^## (TId\w+) \(([^)]+)\) -> (\w+)', line)
        if m:
            current = (m.group(1), m.group(2), m.group(3), [])
            indy_classes.append(current)
            continue
        if line.startswith('## IdGlobal'):
            current = 'routines'
            continue
        m = re.match(r'^\| `([^`]+)` \| `(.*)` \| ', line)
        if m and current:
            decl = m.group(2).replace('\\|', '|')
            if current == 'routines':
                indy_routines.append((m.group(1), decl))
            else:
                current[3].append(('', m.group(1), decl))
    return indy_classes, indy_routines


def check():
    classes, routines = parse_md(OUT)
    text, counts = render(classes, routines)
    if text != open(OUT, encoding='utf-8').read():
        sys.exit('inventory.py: %s is out of date with our units: run generate again (or fix the '
                 'omissions): %d present, %d partial, %d omitted, %d missing now'
                 % (OUT, counts['yes'], counts['partial'], counts['omitted'], counts['missing']))
    print('inventory.py: INDY-MEMBERS.md is current: %d present, %d partial, %d omitted with a reason, %d missing'
          % (counts['yes'], counts['partial'], counts['omitted'], counts['missing']))


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'generate':
        generate(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == 'check':
        check()
    else:
        sys.exit(__doc__)
