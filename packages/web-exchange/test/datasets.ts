import { ReviewSession } from "@qontinui/review";
import { type Dataset, editAnnotations, makeDataset, readAnnotations, screen, type TestRecord } from "./fixture.js";

/**
 * The small dataset of the golden test, three 480×300 screens:
 *   a: button [20,20,120,40] 0.40 (template), icon [290,30,50,50] (user click, verified),
 *      link [10.4,200.6,80.2,20.3] (smart click, element_type link); two more manifest lines
 *   b: "text field" [100,100,200,30] (a grounding box, role textbox), click_target [0,0,50,50]
 *      (fallback click box)
 *   c: no boxes
 */
export async function smallDataset(): Promise<Dataset> {
  const shots = {
    "a.png": await screen(480, 300, "#dfe3ea", [
      [20, 20, 120, 40, "#3b82f6"],
      [290, 30, 50, 50, "#f59e0b"],
      [10, 200, 80, 20, "#8b5cf6"],
    ]),
    "b.png": await screen(480, 300, "#f1f5f9", [[100, 100, 200, 30, "#10b981"]]),
    "c.png": await screen(480, 300, "#e2e8f0", [[60, 60, 200, 100, "#64748b"]]),
  };
  const records: TestRecord[] = [
    { shot: "a.png", actionType: "FIND", boxes: [{ bbox: [20, 20, 120, 40], category: "button", confidence: 0.4 }] },
    { shot: "a.png", boxes: [{ bbox: [290, 30, 50, 50], category: "icon", source: "user_click", confidence: 1, verified: true }] },
    {
      shot: "a.png",
      startTime: 1_770_000_002.25,
      boxes: [
        {
          bbox: [10.4, 200.6, 80.2, 20.3],
          category: "link",
          source: "smart_click_analysis",
          confidence: 0.77,
          verified: true,
          metadata: { inference_metadata: { strategy: "flood_fill", element_type: "link" } },
        },
      ],
    },
    {
      shot: "b.png",
      actionId: "type-name",
      actionType: "TYPE",
      states: ["Editor", "Dialog"],
      boxes: [
        { bbox: [100, 100, 200, 30], category: "text field", source: "source_box", confidence: 0.9, metadata: { attributes: { role: "textbox" } } },
        { bbox: [0, 0, 50, 50], category: "click_target", source: "user_click_fallback", confidence: 0.3, verified: true },
      ],
    },
    { shot: "c.png", actionType: "WAIT" },
  ];
  return makeDataset(shots, records);
}

/**
 * The small dataset after a review and a hand edit by another tool:
 *   a: button accepted (approved), icon flagged
 *   b: click_target rejected (removed, in the log); added by hand: a button sticking out of the image
 *      [450,280,60,40], one less than a pixel wide, and one marked rejected
 */
export async function reviewedSmallDataset(): Promise<Dataset> {
  const ds = await smallDataset();
  const { "a.png": a, "b.png": b } = ds.ids as { "a.png": string; "b.png": string };
  const review = await ReviewSession.open(ds.dir, { reviewer: "alice" });
  const boxesA = (await readAnnotations(ds.dir, a)).annotations;
  await review.decide({ image: a, action: "accept", index: 0, before: boxesA[0]! });
  await review.decide({ image: a, action: "flag", index: 1, before: boxesA[1]! });
  const boxesB = (await readAnnotations(ds.dir, b)).annotations;
  await review.decide({ image: b, action: "reject", index: 1, before: boxesB[1]! });
  await editAnnotations(ds.dir, b, (doc) => {
    const button = { category_id: 0, category_name: "button", confidence: 0.5, source: "template_matching", verified: false };
    doc.annotations.push({ ...button, bbox: [450, 280, 60, 40] });
    doc.annotations.push({ ...button, bbox: [479.8, 10, 0.15, 5] });
    doc.annotations.push({ ...button, bbox: [200, 20, 40, 40], review_status: "rejected" });
  });
  return ds;
}
