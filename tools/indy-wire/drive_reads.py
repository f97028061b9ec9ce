# Sends each read case's bytes to record_reads (real Indy's TIdTCPServer) and keeps its answer.
#   drive_reads.py PORT OUT.json
import socket, sys, json, time
cases = [
 ('readstream_count', '0000000a4142434445464748494a', False),
 ('readstream_count_large', '000000000000000a4142434445464748494a', False),
 ('readstream_fixed', '41424344', False),
 ('readstream_into_existing', '41424344', False),
 ('readstream_until_close', '4142434445', True),
 ('readstream_negative_count', 'ffffffff414243', True),
 ('readstream_short', '0000000a414243', True),
 ('readstrings_count', '000000036f6e650d0a0d0a74687265650d0a', False),
 ('readstrings_two', '6f6e650d0a74776f0a', False),
 ('readint16', 'fffe', False),
 ('readuint16', 'fffe', False),
 ('readint32', 'fffffffe', False),
 ('readuint32', 'deadbeef', False),
 ('readint64', 'fffffffffffffffe', False),
 ('readint32_noconvert', '04030201', False),
 ('readln_crlf', '6c696e650d0a', False),
 ('readln_lf', '6c696e650a', False),
 ('readln_terminator', '61620d0a6323237a', False),
 ('readln_split', '616263646566676869', False),
 ('readln_utf8', '636166c3a90a', False),
 ('capture', '6f6e650d0a2e2e646f740d0a2e0d0a', False),
]
port = int(sys.argv[1])
out = {}
for name, hx, halfclose in cases:
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(name.encode() + b'\r\n' + bytes.fromhex(hx))
    if halfclose: s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    data = b''
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
    except socket.timeout:
        data += b'<timeout>'
    s.close()
    out[name] = {'send': hx, 'halfclose': halfclose, 'reply': data.decode('utf-8', 'replace').strip()}
    time.sleep(0.05)
json.dump(out, open(sys.argv[2], 'w'), indent=1)
