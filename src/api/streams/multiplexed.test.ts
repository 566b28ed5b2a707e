import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { encodeFrame, FrameDecoder, MultiplexedWriter, StreamType } from './multiplexed.js';

test('frame header: stream type, three zero bytes, uint32 BE length', () => {
  const frame = encodeFrame(StreamType.stderr, Buffer.from('hello'));
  assert.deepEqual([...frame.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 5]);
  assert.equal(frame.subarray(8).toString(), 'hello');
  const big = encodeFrame(StreamType.stdout, Buffer.alloc(0x010203));
  assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0, 1, 2, 3]);
});

test('decoder reassembles frames split at any byte', () => {
  const bytes = Buffer.concat([encodeFrame(1, Buffer.from('out')), encodeFrame(2, Buffer.from('err!'))]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new FrameDecoder();
    const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [
        [1, 'out'],
        [2, 'err!'],
      ],
    );
    assert.equal(d.buffered, 0);
  }
});

test('writer skips empty payloads and frames the rest', () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new MultiplexedWriter(out);
  w.stdout('');
  w.stdout('a');
  w.stderr(Buffer.from('bc'));
  const frames = new FrameDecoder().push(Buffer.concat(chunks));
  assert.deepEqual(
    frames.map((f) => [f.stream, f.payload.toString()]),
    [
      [1, 'a'],
      [2, 'bc'],
    ],
  );
});
