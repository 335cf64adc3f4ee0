"""A COCO output as torchvision reads it: CocoDetection loads every item of each
split, and a few training steps of Faster R-CNN (MobileNetV3-Large 320 FPN, no
pretrained weights, CPU) run on it with finite losses.

    /usr/bin/python3 consumers/torchvision_coco.py \
        --split train images/train annotations/train.json \
        --split val images/val annotations/val.json [--train-split train] \
        [--steps 3] [--batch-size 2] [--report report.json]

Exit 0 when everything loads and trains, 1 with the failures listed otherwise,
2 when torch/torchvision are missing. Debian: apt-get install -y python3-torchvision.
"""
import argparse
import contextlib
import io
import json
import math
import os
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_LISTED = 8


def use_coco_api():
    """Import pycocotools.coco: the installed one, else our stand-in (consumers/coco_index.py, see its docstring)."""
    try:
        import pycocotools.coco  # noqa: F401

        return "installed pycocotools ({})".format(os.path.dirname(sys.modules["pycocotools"].__file__))
    except ImportError:
        pass
    for name in [m for m in sys.modules if m == "pycocotools" or m.startswith("pycocotools.")]:
        del sys.modules[name]
    sys.path.insert(0, HERE)
    import coco_index

    package = types.ModuleType("pycocotools")
    package.coco = coco_index
    sys.modules.update({"pycocotools": package, "pycocotools.coco": coco_index})
    return "pycocotools not installed: consumers/coco_index.py stands in for pycocotools.coco.COCO"


class Failures:
    def __init__(self):
        self.items = []

    def add(self, message):
        self.items.append(message)

    def __bool__(self):
        return bool(self.items)


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def check_split(name, root, ann_file, failures):
    """Loads every item of one split; returns its summary and its (boxes, labels) in contiguous label space."""
    from torchvision.datasets import CocoDetection

    with open(ann_file, encoding="utf-8") as f:
        raw = json.load(f)
    for key in ("images", "annotations", "categories"):
        if not isinstance(raw.get(key), list):
            failures.add(f"{name}: {ann_file} has no '{key}' list")
            return None
    for key in ("info", "licenses"):
        if key not in raw:
            failures.add(f"{name}: {ann_file} has no '{key}' (pycocotools' loadRes and some tools expect it)")
    images_by_id = {im["id"]: im for im in raw["images"]}
    categories = {c["id"]: c["name"] for c in raw["categories"]}
    ann_ids = [a["id"] for a in raw["annotations"]]
    if len(set(ann_ids)) != len(ann_ids):
        failures.add(f"{name}: annotation ids are not unique")
    if len(images_by_id) != len(raw["images"]):
        failures.add(f"{name}: image ids are not unique")

    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
        ds = CocoDetection(root=root, annFile=ann_file)
    if len(ds) != len(raw["images"]):
        failures.add(f"{name}: CocoDetection has {len(ds)} items, the file lists {len(raw['images'])} images")

    summary = {"name": name, "root": root, "annFile": ann_file, "images": len(ds), "boxes": 0, "emptyImages": 0,
               "categoriesUsed": set(), "items": {}}
    samples = []
    problems = 0
    for index in range(len(ds)):
        image_id = ds.ids[index]
        meta = images_by_id.get(image_id, {})
        label = f"{name}: image {image_id} ({meta.get('file_name')})"
        try:
            image, target = ds[index]
        except Exception as e:  # the consumer's own error is the finding
            failures.add(f"{label}: CocoDetection cannot load it: {type(e).__name__}: {e}")
            problems += 1
            continue
        if image.size != (meta.get("width"), meta.get("height")):
            failures.add(f"{label}: image is {image.size[0]}x{image.size[1]}, the file says {meta.get('width')}x{meta.get('height')}")
        if not isinstance(target, list):
            failures.add(f"{label}: target is a {type(target).__name__}, not a list")
            continue
        boxes, labels, named = [], [], []
        for ann in target:
            if not isinstance(ann, dict) or "bbox" not in ann or "category_id" not in ann:
                failures.add(f"{label}: target entry without bbox/category_id: {ann!r:.120}")
                continue
            bbox = ann["bbox"]
            if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in bbox)):
                failures.add(f"{label}: bbox {bbox!r} is not 4 finite numbers")
                continue
            x, y, w, h = bbox
            if w <= 0 or h <= 0:
                failures.add(f"{label}: bbox {bbox} has no area (Faster R-CNN rejects it)")
                continue
            if x < 0 or y < 0 or x + w > image.size[0] + 1e-6 or y + h > image.size[1] + 1e-6:
                failures.add(f"{label}: bbox {bbox} is not inside the {image.size[0]}x{image.size[1]} image")
            if ann["category_id"] not in categories:
                failures.add(f"{label}: category_id {ann['category_id']} is not in the file's categories")
                continue
            if ann.get("image_id") != image_id:
                failures.add(f"{label}: annotation {ann.get('id')} has image_id {ann.get('image_id')}")
            if "area" in ann and not close(float(ann["area"]), w * h, 1e-4):
                failures.add(f"{label}: area {ann['area']} is not w*h {w * h}")
            if ann.get("iscrowd", 0) != 0:
                failures.add(f"{label}: iscrowd {ann.get('iscrowd')} (a crowd box is ignored in training)")
            boxes.append([x, y, x + w, y + h])
            labels.append(ann["category_id"])
            named.append([categories[ann["category_id"]], x, y, w, h])
        stem = os.path.splitext(os.path.basename(meta.get("file_name", str(image_id))))[0]
        summary["items"][stem] = named
        summary["boxes"] += len(boxes)
        summary["emptyImages"] += 0 if boxes else 1
        summary["categoriesUsed"].update(labels)
        samples.append((ds, index, boxes, labels))
    summary["categoriesUsed"] = len(summary["categoriesUsed"])
    summary["categories"] = len(categories)
    summary["loadFailures"] = problems
    return summary, samples, sorted(categories)


def train_steps(samples, category_ids, steps, batch_size, failures):
    import torch
    import torchvision
    from torchvision.transforms.functional import pil_to_tensor

    torch.manual_seed(0)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    label_of = {cid: i + 1 for i, cid in enumerate(category_ids)}  # 0 is background
    # box_batch_size_per_image: 64 sampled proposals per image instead of 512 keeps a step
    # affordable on 2 CPU cores with Debian's reference BLAS; the targets go through the same code.
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=len(category_ids) + 1, box_batch_size_per_image=64
    )
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.005, momentum=0.9, weight_decay=0.0005)
    # Images with boxes first, so every step has something to learn from.
    ordered = [s for s in samples if s[2]] + [s for s in samples if not s[2]]
    losses = []
    started = time.time()
    for step in range(steps):
        batch = [ordered[(step * batch_size + k) % len(ordered)] for k in range(batch_size)]
        images, targets = [], []
        for ds, index, boxes, labels in batch:
            image, _ = ds[index]
            images.append(pil_to_tensor(image).float().div(255))
            targets.append({
                "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                "labels": torch.tensor([label_of[c] for c in labels], dtype=torch.int64),
            })
        loss_dict = model(images, targets)
        loss = sum(loss_dict.values())
        value = float(loss.detach())
        if not math.isfinite(value):
            failures.add(f"training: step {step + 1}: loss is {value} ({ {k: float(v) for k, v in loss_dict.items()} })")
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(round(value, 4))
    return {"steps": len(losses), "batchSize": batch_size, "losses": losses, "seconds": round(time.time() - started, 1),
            "numClasses": len(category_ids) + 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", nargs=3, action="append", metavar=("NAME", "ROOT", "ANNFILE"), required=True)
    parser.add_argument("--train-split", default="train")
    parser.add_argument("--steps", type=int, default=3, help="training steps; 0 loads only")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--report", help="write the summary as JSON here")
    args = parser.parse_args()

    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"FAIL: {e}. Use Debian's python (/usr/bin/python3) with: apt-get install -y python3-torchvision", file=sys.stderr)
        return 2
    api = use_coco_api()
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {api}")

    failures = Failures()
    report = {"torch": torch.__version__, "torchvision": torchvision.__version__, "cocoApi": api, "splits": [], "training": None}
    train_samples, train_categories = None, None
    for name, root, ann_file in args.split:
        done = check_split(name, root, ann_file, failures)
        if done is None:
            continue
        summary, samples, category_ids = done
        report["splits"].append(summary)
        print(f"  CocoDetection {name:<5} {summary['images']:>4} images  {summary['boxes']:>4} boxes  "
              f"{summary['categoriesUsed']}/{summary['categories']} categories used  {summary['emptyImages']} without boxes  "
              f"{summary['loadFailures']} failed to load")
        if name == args.train_split:
            train_samples, train_categories = samples, category_ids

    if args.steps == 0:
        pass  # loading only
    elif train_samples is None:
        failures.add(f"training: no '{args.train_split}' split to train on")
    elif not any(s[2] for s in train_samples):
        failures.add(f"training: the '{args.train_split}' split has no boxes to train on")
    else:
        training = train_steps(train_samples, train_categories, args.steps, args.batch_size, failures)
        report["training"] = training
        print(f"  fasterrcnn_mobilenet_v3_large_320_fpn on {args.train_split}: {training['steps']} steps x batch "
              f"{training['batchSize']}, {training['numClasses']} classes, losses {training['losses']} ({training['seconds']} s)")
        if training["steps"] < args.steps:
            failures.add(f"training: only {training['steps']} of {args.steps} steps ran")

    report["failures"] = failures.items
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f)
    if failures:
        print(f"FAIL: {len(failures.items)} problem(s):")
        for message in failures.items[:MAX_LISTED]:
            print(f"  - {message}")
        if len(failures.items) > MAX_LISTED:
            print(f"  ... and {len(failures.items) - MAX_LISTED} more (see the report)")
        return 1
    print("OK: every split loads with CocoDetection" + (" and Faster R-CNN trains on it" if args.steps else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
