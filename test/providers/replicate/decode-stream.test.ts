import { describe, expect, test } from "bun:test";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { replicateCodec } from "../../../runtime/providers/replicate/codec.ts";

const REQUEST: ChatRequest = { model: "llama-test", messages: [{ role: "user", content: "hi" }] };

function body(text: string): ReadableStream<Uint8Array> {
  return new Response(text).body!;
}

async function decode(
  text: string,
  request: ChatRequest = REQUEST,
): Promise<{ chunks: ChatChunk[]; error: unknown }> {
  const chunks: ChatChunk[] = [];
  try {
    for await (const chunk of replicateCodec.decodeChatStream(body(text), {
      clientModel: "llama-test",
      request,
    })) {
      chunks.push(chunk);
    }
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: null };
}

function texts(chunks: ChatChunk[]): string[] {
  return chunks.flatMap((chunk) => {
    const content = chunk.choices[0]?.delta.content;
    return typeof content === "string" && content !== "" ? [content] : [];
  });
}

const CREATED = 'event: prediction\ndata: {"id":"abc123","status":"starting"}\n\n';
const FINAL = 'event: prediction\ndata: {"id":"abc123","status":"succeeded",' +
  '"metrics":{"input_token_count":12,"output_token_count":5}}\n\n';

describe("replicate decodeChatStream", () => {
  test("output events become text chunks in order", async () => {
    const stream = CREATED +
      "event: output\nid: 1:0\ndata: Once\n\n" +
      "event: logs\ndata: loading weights\n\n" +
      "event: output\nid: 1:1\ndata:  upon\ndata: a time\n\n" +
      FINAL + "event: done\ndata: {}\n\n";
    const { chunks, error } = await decode(stream);
    expect(error).toBeNull();
    expect(texts(chunks)).toEqual(["Once", " upon\na time"]);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks[0]?.id).toBe("chatcmpl-replicate-abc123");

    const finish = chunks.at(-2);
    expect(finish?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
  });

  test("full max_tokens budget reports length", async () => {
    const stream = CREATED + "event: output\ndata: x\n\n" + FINAL + "event: done\ndata: {}\n\n";
    const { chunks } = await decode(stream, { ...REQUEST, max_tokens: 5 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
  });

  test("done without counts yields null usage", async () => {
    const { chunks, error } = await decode(CREATED + "event: output\ndata: x\n\n" +
      "event: done\ndata: {}\n\n");
    expect(error).toBeNull();
    expect(chunks.at(-1)?.usage).toBeNull();
  });

  test("error event throws after the text", async () => {
    const stream = CREATED + "event: output\ndata: Partial\n\n" +
      'event: error\ndata: {"detail":"CUDA out of memory"}\n\n' + "event: done\ndata: {}\n\n";
    const { chunks, error } = await decode(stream);
    expect(texts(chunks)).toEqual(["Partial"]);
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("upstream_error");
    expect((error as NexusError).message).toContain("abc123 failed: CUDA out of memory");
  });

  test("canceled done throws after the text", async () => {
    const stream = CREATED + "event: output\ndata: Part\n\n" +
      'event: done\ndata: {"reason":"canceled"}\n\n';
    const { chunks, error } = await decode(stream);
    expect(texts(chunks)).toEqual(["Part"]);
    expect((error as NexusError).code).toBe("upstream_error");
    expect((error as NexusError).message).toContain("was canceled");
  });

  test("stream without done is cut", async () => {
    const { chunks, error } = await decode(CREATED + "event: output\ndata: Part\n\n");
    expect(texts(chunks)).toEqual(["Part"]);
    expect((error as NexusError).code).toBe("upstream_stream_cut");
  });
});
