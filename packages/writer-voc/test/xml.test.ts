import { promises as fs } from "node:fs";
import path from "node:path";
import { encodePng } from "@qontinui/export-core/testing";
import { describe, expect, it } from "vitest";
import { convertVoc, fromVocBox, toVocBox, xmlText } from "../src/index.js";
import { box, memoryInput, tempDir } from "./helpers.js";
import { readVoc } from "./read-voc.js";

describe("coordinates", () => {
  it("uses the devkit's 1-based inclusive convention", () => {
    expect(toVocBox([0, 0, 10, 10], 64, 48)).toEqual({ xmin: 1, ymin: 1, xmax: 10, ymax: 10 });
    expect(toVocBox([0, 40, 64, 8], 64, 48)).toEqual({ xmin: 1, ymin: 41, xmax: 64, ymax: 48 });
    expect(toVocBox([0, 0, 1, 1], 1, 1)).toEqual({ xmin: 1, ymin: 1, xmax: 1, ymax: 1 });
    expect(fromVocBox({ xmin: 1, ymin: 41, xmax: 64, ymax: 48 })).toEqual([0, 40, 64, 8]);
  });

  it("rounds, clamps and drops empty boxes", () => {
    expect(toVocBox([-5, 2.4, 20, 100], 64, 48)).toEqual({ xmin: 1, ymin: 3, xmax: 15, ymax: 48 });
    expect(toVocBox([70, 0, 5, 5], 64, 48)).toBeUndefined();
    expect(toVocBox([3, 3, 0.2, 5], 64, 48)).toBeUndefined();
    expect(toVocBox([Number.NaN, 0, 5, 5], 64, 48)).toBeUndefined();
  });

  it("escapes text and strips characters XML 1.0 cannot hold", () => {
    expect(xmlText(`a<b>&"c'`)).toEqual({ text: "a&lt;b&gt;&amp;&quot;c&apos;", stripped: 0 });
    expect(xmlText("x\u0001y\u001Fz\tq\r")).toEqual({ text: "xyz\tq&#13;", stripped: 2 });
    expect(xmlText("ボタン menu/item")).toEqual({ text: "ボタン menu/item", stripped: 0 });
  });
});

describe("annotation XML", () => {
  it("writes the exact devkit XML with extras", async () => {
    const root = await tempDir();
    const src = path.join(root, "0123456789abcdef.png");
    await fs.writeFile(src, encodePng(64, 48, () => [1, 2, 3]));
    const image = {
      id: "0123456789abcdef",
      fileName: "0123456789abcdef.png",
      path: src,
      width: 64,
      height: 48,
      channels: 4,
      activeStates: [],
      annotations: [
        box(`a<b>&"c'`, 0, [50, 30, 14, 18], { clipped: true, verified: true, source: "user_click", confidence: 0.42 }),
        box("text field", 1, [0, 0, 10, 10]),
        box("gone", 2, [70, 0, 5, 5]),
        box("x\u0001y", 3, [1, 1, 2, 2]),
      ],
    };
    const out = path.join(root, "voc");
    const summary = await convertVoc(
      memoryInput([{ id: 0, name: `a<b>&"c'` }, { id: 1, name: "text field" }, { id: 2, name: "gone" }, { id: 3, name: "x\u0001y" }], [image]),
      { outDir: out },
    );
    expect(summary).toEqual({
      outDir: out,
      images: 1,
      boxes: 3,
      boxesDropped: 1,
      invalidCharsStripped: 1,
      imageFiles: "jpeg",
      quality: 95,
      imagesTranscoded: 1,
      imagesPlaced: 0,
      imagesLinked: 0,
      imagesSkipped: 0,
      splits: { train: 1 },
      duplicatesMerged: 0,
    });
    const xml = await fs.readFile(path.join(out, "Annotations", "0123456789abcdef.xml"), "utf8");
    expect(xml).toBe(
      [
        "<annotation>",
        "  <folder>JPEGImages</folder>",
        "  <filename>0123456789abcdef.jpg</filename>",
        "  <size>",
        "    <width>64</width>",
        "    <height>48</height>",
        "    <depth>3</depth>",
        "  </size>",
        "  <segmented>0</segmented>",
        "  <object>",
        "    <name>a&lt;b&gt;&amp;&quot;c&apos;</name>",
        "    <pose>Unspecified</pose>",
        "    <truncated>1</truncated>",
        "    <difficult>0</difficult>",
        "    <bndbox>",
        "      <xmin>51</xmin>",
        "      <ymin>31</ymin>",
        "      <xmax>64</xmax>",
        "      <ymax>48</ymax>",
        "    </bndbox>",
        "    <confidence>0.42</confidence>",
        "    <source>user_click</source>",
        "    <verified>1</verified>",
        "  </object>",
        "  <object>",
        "    <name>text field</name>",
        "    <pose>Unspecified</pose>",
        "    <truncated>0</truncated>",
        "    <difficult>0</difficult>",
        "    <bndbox>",
        "      <xmin>1</xmin>",
        "      <ymin>1</ymin>",
        "      <xmax>10</xmax>",
        "      <ymax>10</ymax>",
        "    </bndbox>",
        "    <confidence>1</confidence>",
        "    <source>template_matching</source>",
        "    <verified>0</verified>",
        "  </object>",
        "  <object>",
        "    <name>xy</name>",
        "    <pose>Unspecified</pose>",
        "    <truncated>0</truncated>",
        "    <difficult>0</difficult>",
        "    <bndbox>",
        "      <xmin>2</xmin>",
        "      <ymin>2</ymin>",
        "      <xmax>3</xmax>",
        "      <ymax>3</ymax>",
        "    </bndbox>",
        "    <confidence>1</confidence>",
        "    <source>template_matching</source>",
        "    <verified>0</verified>",
        "  </object>",
        "</annotation>",
        "",
      ].join("\n"),
    );
    const [read] = await readVoc(out);
    expect(read!.boxes[0]).toEqual({ categoryName: `a<b>&"c'`, bbox: [50, 30, 14, 18] });
    expect(read!.objects.map((o) => o.truncated)).toEqual([1, 0, 0]);
    expect(await fs.readdir(path.join(out, "JPEGImages"))).toEqual(["0123456789abcdef.jpg"]);
    expect(await fs.readFile(path.join(out, "ImageSets", "Main", "train.txt"), "utf8")).toBe("0123456789abcdef\n");
    expect(await fs.readFile(path.join(out, "labels.txt"), "utf8")).toBe(`a<b>&"c'\ntext field\ngone\nx\u0001y\n`);
    await fs.rm(root, { recursive: true, force: true });
  });

  it("names the original file and keeps its depth with keepOriginal", async () => {
    const root = await tempDir();
    const src = path.join(root, "0123456789abcdef.png");
    await fs.writeFile(src, encodePng(8, 6, () => [1, 2, 3]));
    const image = { id: "0123456789abcdef", fileName: "0123456789abcdef.png", path: src, width: 8, height: 6, channels: 4, activeStates: [], annotations: [box("b", 0, [0, 0, 2, 2])] };
    const out = path.join(root, "voc");
    await convertVoc(memoryInput([{ id: 0, name: "b" }], [image]), { outDir: out, keepOriginal: true });
    const [read] = await readVoc(out);
    expect(read).toMatchObject({ file: "JPEGImages/0123456789abcdef.png", depth: 4 });
    expect(await fs.readFile(path.join(out, "JPEGImages", "0123456789abcdef.png"))).toEqual(await fs.readFile(src));
    await fs.rm(root, { recursive: true, force: true });
  });

  it("uses depth 3 when channels are unknown", async () => {
    const root = await tempDir();
    const src = path.join(root, "a.png");
    await fs.writeFile(src, encodePng(2, 2, () => [0, 0, 0]));
    const out = path.join(root, "voc");
    await convertVoc(
      memoryInput([], [{ id: "a", fileName: "a.png", path: src, width: 2, height: 2, channels: 0, annotations: [], activeStates: [] }]),
      { outDir: out, keepOriginal: true },
    );
    const [read] = await readVoc(out);
    expect(read!.depth).toBe(3);
    expect(read!.boxes).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
