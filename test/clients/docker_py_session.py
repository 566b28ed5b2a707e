"""A docker-py session against rootlessd (run by clients.test.ts as the test user).

Drives the daemon the way Python users do (docker.from_env(), the high-level models) and prints
one JSON object of what it saw; the test asserts on it. Environment: DOCKER_HOST, IMAGE (the
busybox image's full reference), REGISTRY (host:port of the test registry).
"""
import io
import json
import os
import tarfile
import time

import docker
import docker.errors

image = os.environ['IMAGE']
registry = os.environ['REGISTRY']
seen = {}
c = docker.from_env()
seen['ping'] = c.ping()
seen['api'] = c.version()['ApiVersion']

# run() returns the output only when the log driver is one it can read back (json-file).
seen['run'] = c.containers.run(image, ['sh', '-c', 'echo out; echo err >&2'], remove=True, stderr=True).decode()
try:
    c.containers.run(image, ['sh', '-c', 'echo bad >&2; exit 3'], remove=True)
except docker.errors.ContainerError as e:
    seen['run_error'] = {'exit': e.exit_status, 'stderr': e.stderr.decode()}

ct = c.containers.run(
    image,
    ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done'],
    detach=True, name='py-ticker', labels={'suite': 'py'}, environment={'X': '1'},
)
ct.reload()
seen['status'] = ct.status
seen['listed'] = [x.name for x in c.containers.list(filters={'label': 'suite=py'})]
time.sleep(0.5)
seen['logs_tail'] = ct.logs(tail=1).decode()
r = ct.exec_run(['sh', '-c', 'echo $X; id -u'])
seen['exec'] = {'exit': r.exit_code, 'out': r.output.decode()}
r = ct.exec_run(['sh', '-c', 'echo a; echo b >&2; exit 4'], demux=True)
seen['exec_demux'] = {'exit': r.exit_code, 'out': r.output[0].decode(), 'err': r.output[1].decode()}
seen['top_titles'] = ct.top()['Titles']
stats = ct.stats(stream=False)
seen['stats_memory'] = stats['memory_stats'].get('usage', 0)

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w') as t:
    info = tarfile.TarInfo('hello.txt')
    info.size = 3
    t.addfile(info, io.BytesIO(b'abc'))
seen['put_archive'] = ct.put_archive('/tmp', buf.getvalue())
bits, stat = ct.get_archive('/tmp/hello.txt')
with tarfile.open(fileobj=io.BytesIO(b''.join(bits))) as t:
    seen['get_archive'] = {'name': stat['name'], 'content': t.extractfile('hello.txt').read().decode()}
ct.stop(timeout=1)
seen['wait'] = ct.wait()
ct.remove()

# Attach before start, write stdin, read the multiplexed output.
at = c.containers.create(image, ['sh', '-c', 'read x; echo got $x; echo bye >&2'], stdin_open=True)
sock = at.attach_socket(params={'stdin': 1, 'stdout': 1, 'stderr': 1, 'stream': 1})
at.start()
sock._sock.sendall(b'hello\n')
sock._sock.settimeout(10)
raw = b''
while True:
    chunk = sock._sock.recv(4096)
    if not chunk:
        break
    raw += chunk
frames = []
while len(raw) >= 8:
    size = int.from_bytes(raw[4:8], 'big')
    frames.append([raw[0], raw[8:8 + size].decode()])
    raw = raw[8 + size:]
seen['attach_frames'] = frames
seen['attach_wait'] = at.wait()['StatusCode']
committed = at.commit(repository='py/committed', tag='v1', changes=['ENV Z=1'])
seen['commit_env'] = c.images.get('py/committed:v1').attrs['Config']['Env']
c.images.remove(committed.id, force=True)
at.remove()

v = c.volumes.create('py-vol', labels={'k': 'v'})
seen['volume_out'] = c.containers.run(
    image, ['sh', '-c', 'echo data > /v/f; cat /v/f'], volumes={'py-vol': {'bind': '/v', 'mode': 'rw'}}, remove=True
).decode()
v.remove()

net = c.networks.create('py-net', driver='bridge', labels={'k': 'v'})
srv = c.containers.run(image, ['sleep', '60'], detach=True, name='py-srv', network='py-net')
seen['by_name'] = c.containers.run(image, ['ping', '-c', '1', '-W', '2', 'py-srv'], network='py-net', remove=True).decode()
net.reload()
seen['net_containers'] = [x.name for x in net.containers]
srv.remove(force=True)
net.remove()

img = c.images.get(image)
seen['repo_digests'] = img.attrs['RepoDigests']
img.tag(f'{registry}/py/pushed', 'v1')
push = list(c.images.push(f'{registry}/py/pushed', tag='v1', stream=True, decode=True))
seen['push_errors'] = [p for p in push if 'error' in p]
seen['push_digest'] = next((p['aux']['Digest'] for p in push if 'aux' in p), None)
pulled = c.images.pull(f'{registry}/py/pushed', tag='v1')
seen['pulled_id'] = pulled.id
seen['image_id'] = img.id
c.images.remove(f'{registry}/py/pushed:v1')

try:
    c.containers.get('py-nope')
except docker.errors.NotFound as e:
    seen['not_found'] = e.explanation
try:
    c.containers.run(image, 'true', volumes=['relative:/x:bogus'])
except docker.errors.APIError as e:
    seen['bad_mount'] = {'status': e.status_code, 'explanation': e.explanation}
seen['login'] = c.login(username='u', password='p', registry=registry)['Status']
print(json.dumps(seen))
