import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readImageInfo } from "../src/index.js";

const make = (w: number, h: number, channels: 3 | 4 = 3) => sharp({ create: { width: w, height: h, channels, background: "#336699" } });

describe("readImageInfo (header only)", () => {
  it("reads PNG, JPEG, WebP sizes and channels", async () => {
    expect(readImageInfo(await make(123, 45).png().toBuffer())).toEqual({ ok: true, info: { format: "png", width: 123, height: 45, channels: 3 } });
    expect(readImageInfo(await make(20, 10, 4).png().toBuffer())).toMatchObject({ ok: true, info: { channels: 4 } });
    expect(readImageInfo(await make(64, 48).jpeg().toBuffer())).toMatchObject({ ok: true, info: { format: "jpeg", width: 64, height: 48 } });
    expect(readImageInfo(await make(30, 17).webp().toBuffer())).toMatchObject({ ok: true, info: { format: "webp", width: 30, height: 17 } });
    expect(readImageInfo(await make(30, 17).webp({ lossless: true }).toBuffer())).toMatchObject({ ok: true, info: { format: "webp", width: 30, height: 17 } });
  });

  it("refuses empty, truncated and unknown files with a message", async () => {
    const png = await make(100, 100).png().toBuffer();
    expect(readImageInfo(Buffer.alloc(0))).toEqual({ ok: false, message: expect.stringMatching(/empty/) });
    expect(readImageInfo(png.subarray(0, png.length - 20))).toEqual({ ok: false, message: expect.stringMatching(/truncated PNG/) });
    expect(readImageInfo(png.subarray(0, 20))).toEqual({ ok: false, message: expect.stringMatching(/truncated PNG/) });
    const jpeg = await make(100, 100).jpeg().toBuffer();
    expect(readImageInfo(jpeg.subarray(0, jpeg.length - 10))).toEqual({ ok: false, message: expect.stringMatching(/truncated JPEG/) });
    expect(readImageInfo(Buffer.from("GIF? no, plain text"))).toEqual({ ok: false, message: expect.stringMatching(/unknown signature/) });
  });
});
