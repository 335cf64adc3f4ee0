"""A Pascal VOC output as torchvision reads it: VOCDetection(year="2012") loads
every item of train, val and trainval from <root>/VOCdevkit/VOC2012, which is a
symlink to the output folder (no renaming, no copying); test.txt, when there is one,
goes through the same loader (VOCDetection takes image_set="test" for 2007 only).

    /usr/bin/python3 consumers/torchvision_voc.py --voc OUTPUT_DIR --root WORK/voc_root \
        [--categories names.json] [--report report.json]

What each item must be: JPEGImages/<id>.jpg exists and is JPEG bytes (VOCDetection
opens exactly <id>.jpg; PIL would open PNG bytes behind that name too, so the format
is checked apart), its size equals the XML's <size>, depth 3; the XML's <filename> is
that file; every object has a name among the categories, pose, truncated and
difficult 0/1, and an integer bndbox with 1 <= xmin <= xmax <= width and
1 <= ymin <= ymax <= height (the devkit's 1-based inclusive pixels). trainval is
train + val, and train and val share no image.

Exit 0 when all loads, 1 with the failures listed, 2 when torchvision is missing.
"""
import argparse
import json
import os
import re
import sys

MAX_LISTED = 8
IMAGE_SETS = ("train", "val", "trainval")  # what VOCDetection accepts for 2012 (test only for 2007)


def as_int(value):
    try:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    except ValueError:
        pass
    return None


def check_item(ds, index, categories, failures, label):
    from PIL import Image

    image_path = ds.images[index]
    stem = os.path.splitext(os.path.basename(image_path))[0]
    try:
        image, target = ds[index]
    except Exception as e:
        failures.append(f"{label} {stem}: VOCDetection cannot load it: {type(e).__name__}: {e}")
        return stem, None
    with Image.open(image_path) as raw:
        if raw.format != "JPEG":
            failures.append(f"{label} {stem}: JPEGImages/{stem}.jpg holds {raw.format} bytes, not JPEG")
    ann = target.get("annotation")
    if not isinstance(ann, dict):
        failures.append(f"{label} {stem}: no <annotation> root")
        return stem, None
    if ann.get("filename") != os.path.basename(image_path):
        failures.append(f"{label} {stem}: <filename> is {ann.get('filename')!r}, the image VOCDetection opens is {os.path.basename(image_path)!r}")
    size = ann.get("size") or {}
    width, height, depth = (as_int(size.get(k)) for k in ("width", "height", "depth"))
    if (width, height) != image.size:
        failures.append(f"{label} {stem}: <size> {size.get('width')}x{size.get('height')} but the image is {image.size[0]}x{image.size[1]}")
    if depth != 3:
        failures.append(f"{label} {stem}: <depth> {size.get('depth')!r}, not 3")
    if ann.get("segmented") not in ("0", "1"):
        failures.append(f"{label} {stem}: <segmented> {ann.get('segmented')!r}")
    objects = ann.get("object", [])
    if isinstance(objects, dict):
        objects = [objects]
    boxes = []
    for n, obj in enumerate(objects, 1):
        where = f"{label} {stem} object {n}"
        name = obj.get("name")
        if name not in categories:
            failures.append(f"{where}: name {name!r} is not a category")
        for flag in ("truncated", "difficult"):
            if obj.get(flag) not in ("0", "1"):
                failures.append(f"{where}: <{flag}> {obj.get(flag)!r}, not 0 or 1")
        if "pose" not in obj:
            failures.append(f"{where}: no <pose>")
        bnd = obj.get("bndbox") or {}
        xmin, ymin, xmax, ymax = (as_int(bnd.get(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
        if None in (xmin, ymin, xmax, ymax):
            failures.append(f"{where}: bndbox {bnd} is not four integers")
            continue
        if not (1 <= xmin <= xmax <= image.size[0] and 1 <= ymin <= ymax <= image.size[1]):
            failures.append(f"{where}: bndbox {xmin},{ymin},{xmax},{ymax} is outside 1..{image.size[0]} x 1..{image.size[1]}")
        # Back to a 0-based [x, y, w, h] for the cross-format comparison.
        boxes.append([name, xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1])
    return stem, boxes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voc", required=True, help="the VOC output folder")
    parser.add_argument("--root", required=True, help="VOCDetection's root; <root>/VOCdevkit/VOC2012 becomes a symlink to --voc")
    parser.add_argument("--categories", help="JSON list of the dataset's category names (default: the output's labels.txt)")
    parser.add_argument("--report", help="write the summary as JSON here")
    args = parser.parse_args()

    try:
        import torchvision
        from torchvision.datasets import VOCDetection
    except ImportError as e:
        print(f"FAIL: {e}. Use Debian's python (/usr/bin/python3) with: apt-get install -y python3-torchvision", file=sys.stderr)
        return 2

    devkit = os.path.join(args.root, "VOCdevkit")
    link = os.path.join(devkit, "VOC2012")
    os.makedirs(devkit, exist_ok=True)
    if os.path.islink(link):
        os.unlink(link)
    os.symlink(os.path.abspath(args.voc), link)

    failures = []
    labels_txt = os.path.join(args.voc, "labels.txt")
    if args.categories:
        with open(args.categories, encoding="utf-8") as f:
            categories = json.load(f)
        if os.path.exists(labels_txt):
            with open(labels_txt, encoding="utf-8") as f:
                listed = f.read().splitlines()
            # One name a line: the writer puts a space for a line break inside a name.
            expected = [re.sub(r"[\r\n]+", " ", n) for n in categories]
            if listed != expected:
                diff = next((i for i, (a, b) in enumerate(zip(listed, expected)) if a != b), min(len(listed), len(expected)))
                failures.append(f"labels.txt lists {len(listed)} names, not the dataset's {len(categories)} categories in registry order "
                                f"(first difference at line {diff + 1})")
    else:
        with open(labels_txt, encoding="utf-8") as f:
            categories = f.read().splitlines()
    categories = set(categories)
    print(f"torchvision {torchvision.__version__}: VOCDetection(root={args.root}, year='2012'), VOCdevkit/VOC2012 -> {os.path.abspath(args.voc)}")

    report = {"torchvision": torchvision.__version__, "sets": {}, "items": {}}
    members = {}
    for image_set in IMAGE_SETS:
        label = f"{image_set}:"
        try:
            ds = VOCDetection(root=args.root, year="2012", image_set=image_set, download=False)
        except Exception as e:
            failures.append(f"{image_set}: VOCDetection cannot open it: {type(e).__name__}: {e}")
            print(f"  VOCDetection {image_set:<8} cannot open: {type(e).__name__}: {e}")
            continue
        before = len(failures)
        loaded, boxes = 0, 0
        stems = []
        for index in range(len(ds)):
            stem, items = check_item(ds, index, categories, failures, label)
            stems.append(stem)
            if items is not None:
                loaded += 1
                boxes += len(items)
                report["items"][stem] = items
        members[image_set] = stems
        report["sets"][image_set] = {"images": len(ds), "loaded": loaded, "boxes": boxes, "problems": len(failures) - before}
        print(f"  VOCDetection {image_set:<8} {len(ds):>4} images  {loaded:>4} loaded  {boxes:>4} boxes  {len(failures) - before} problem(s)")
        if len(ds) == 0:
            failures.append(f"{image_set}: ImageSets/Main/{image_set}.txt lists no image")

    # VOCDetection takes image_set="test" for 2007 only; test.txt of a 2012 layout goes through the
    # same loader (JPEGImages/<id>.jpg, Annotations/<id>.xml, parse_voc_xml) with its lists swapped.
    test_list = os.path.join(link, "ImageSets", "Main", "test.txt")
    if os.path.exists(test_list) and "train" in members:
        ds = VOCDetection(root=args.root, year="2012", image_set="train", download=False)
        with open(test_list) as f:
            names = [x.strip() for x in f.readlines()]
        ds.images = [os.path.join(link, "JPEGImages", x + ".jpg") for x in names]
        ds.targets = [os.path.join(link, "Annotations", x + ".xml") for x in names]
        before = len(failures)
        loaded, boxes = 0, 0
        for index in range(len(ds)):
            stem, items = check_item(ds, index, categories, failures, "test:")
            if items is not None:
                loaded += 1
                boxes += len(items)
                report["items"][stem] = items
        members["test"] = names
        report["sets"]["test"] = {"images": len(ds), "loaded": loaded, "boxes": boxes, "problems": len(failures) - before}
        print(f"  VOC loader   {'test':<8} {len(ds):>4} images  {loaded:>4} loaded  {boxes:>4} boxes  {len(failures) - before} problem(s)"
              "  (test.txt through VOCDetection's loader: 2012 takes no image_set='test')")

    if all(s in members for s in IMAGE_SETS):
        train, val, trainval = (set(members[s]) for s in IMAGE_SETS)
        if train & val:
            failures.append(f"train and val share {len(train & val)} image(s)")
        if trainval != train | val:
            failures.append(f"trainval ({len(trainval)}) is not train + val ({len(train | val)})")
        for s in IMAGE_SETS:
            if len(set(members[s])) != len(members[s]):
                failures.append(f"{s}.txt lists an image twice")
    report["members"] = members
    report["failures"] = failures
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f)
    if failures:
        print(f"FAIL: {len(failures)} problem(s):")
        for message in failures[:MAX_LISTED]:
            print(f"  - {message}")
        if len(failures) > MAX_LISTED:
            print(f"  ... and {len(failures) - MAX_LISTED} more (see the report)")
        return 1
    print("OK: train, val and trainval load with VOCDetection")
    return 0


if __name__ == "__main__":
    sys.exit(main())
