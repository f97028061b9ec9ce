# Keeps every byte of each connection (record_writes' cases): the first line names the case.
#   capture.py CONNECTIONS OUT.json   (prints the port first)
import socket, sys, json
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', 0)); srv.listen(50)
print(srv.getsockname()[1], flush=True)
out = {}
n = int(sys.argv[1])
srv.settimeout(30)
for i in range(n):
    c, _ = srv.accept()
    data = b''
    while True:
        d = c.recv(65536)
        if not d: break
        data += d
    c.close()
    name, _, rest = data.partition(b'\r\n')
    out[name.decode()] = rest.hex()
json.dump(out, open(sys.argv[2], 'w'), indent=1, sort_keys=True)
