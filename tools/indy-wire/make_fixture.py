# Writes tests/component/indy_wire.txt's text from what record.sh collected.
#   make_fixture.py WRITES.json READS.json SERVER_STDERR INDY_COMMIT
import json, sys
w = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
closed = {}
for line in open(sys.argv[3]):
    name, _, result = line.rstrip('\n').partition(' result ')
    closed[name] = result
lines = [
    "# Bytes real Indy 10 puts on the wire, recorded from IndySockets/Indy at %s built with" % sys.argv[4][:8],
    "# Free Pascal 3.2.2 (mode delphi, Linux): a TIdTCPClient's IOHandler writing to a socket that",
    "# kept every byte, and a TIdTCPServer's OnExecute reading bytes that were sent to it",
    "# (tools/indy-wire/record.sh records it again).",
    "#   write <case> <hex>                          what the Write call named by <case> sends",
    "#   read <case> <hex> <peer-closes> <result>    what the read call returns for those bytes",
    "# (<peer-closes> 1: the sender closed after the bytes.) The calls, per case, are in",
    "# indy_wire_test.cpp and tests/pascal/indy_wire_test.pas. Stream cases use a 10-byte stream",
    "# 'ABCDEFGHIJ' at position 3; strings cases the list ('one', '', 'three').",
]
for k in sorted(w):
    lines.append("write %s %s" % (k, w[k] or '-'))
for k, v in r.items():
    res = v['reply']
    res = res[len('result '):] if res.startswith('result ') else closed.get(k, '<no answer>')
    res = res.replace('\r\n', '\\r\\n').replace('\n', '\\n')
    lines.append("read %s %s %d %s" % (k, v['send'], 1 if v['halfclose'] else 0, res))
sys.stdout.write('\n'.join(lines) + '\n')
