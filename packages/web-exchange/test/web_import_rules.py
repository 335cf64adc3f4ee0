"""The parsing rules of qontinui-web's dataset import, as docs/WEB_IMPORT.md states them, applied to a ZIP.

Written from the spec, not from their code or ours: it opens the ZIP the way their import does (Python's
zipfile over the bytes in memory, files found by the end of their names), follows every rule a manifest
line and a box go through, and checks what would make the import lose a line, lose the whole ZIP, or
break their API afterwards. Prints one JSON object.

    python3 web_import_rules.py check F.zip [F-2.zip ...]   # what each ZIP would import, and every problem
    python3 web_import_rules.py api F.zip                    # the boxes as their API would return them
"""

import hashlib
import io
import json
import os
import sys
import uuid
import zipfile
from datetime import datetime

SOURCES = {"user_click", "template_matching", "smart_click_analysis", "manual"}
ELEMENT_TYPES = {"button", "icon", "text", "image", "checkbox", "radio", "input_field", "link", "menu_item", "tab", "unknown"}
REVIEW_STATUSES = {"pending", "approved", "rejected", "flagged"}
INT32_MAX = 2**31 - 1
LIMITS = {"filename": 255, "action_id": 255, "action_type": 100, "category_name": 100, "version": 50}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fits(value, limit):
    """PostgreSQL counts characters (code points), and a text column cannot hold NUL."""
    return isinstance(value, str) and len(value) <= limit and "\x00" not in value


def find(names, wanted):
    """Their rule: the first name ending with the path or with its base name."""
    base = os.path.basename(wanted)
    for n in names:
        if n.endswith(wanted) or n.endswith(base):
            return n
    return None


def read_zip(path):
    with open(path, "rb") as f:
        data = f.read()  # their import holds the whole upload in memory too
    zf = zipfile.ZipFile(io.BytesIO(data), "r")
    return zf, len(data)


def check(path):
    problems = []  # anything that loses a line, a box, the ZIP, or breaks their API
    out = {"file": os.path.basename(path), "images": 0, "annotations": 0, "problems": problems,
           "review_status": {}, "sources": {}, "element_types": {}, "image_names": []}
    zf, size = read_zip(path)
    out["bytes"] = size
    bad = zf.testzip()  # every entry read, every CRC compared
    if bad is not None:
        problems.append(f"CRC mismatch in {bad}")
    names = zf.namelist()
    out["entries"] = len(names)
    if len(set(names)) != len(names):
        problems.append("duplicate names in the ZIP")
    for n in names:
        zf.read(n)

    manifest = next((n for n in names if n.endswith("manifest.jsonl")), None)
    if manifest is None:
        problems.append("no manifest.jsonl: the import refuses the ZIP")
        return out
    metadata_name = next((n for n in names if n.endswith("metadata.json")), None)
    if metadata_name is not None:
        try:
            metadata = json.loads(zf.read(metadata_name))
        except ValueError as e:
            problems.append(f"metadata.json is not JSON ({e}): the ZIP is lost")
            metadata = None
        if not isinstance(metadata, dict):
            problems.append("metadata.json is not an object: the ZIP is lost")
        else:
            version = metadata.get("version")
            if version is not None and not fits(version, LIMITS["version"]):
                problems.append(f"metadata.version {version!r} does not fit dataset_version(50): the ZIP is lost")
            for key in ("train_split", "random_seed"):
                if key in metadata:
                    problems.append(f"metadata.{key} would steer their trainer export")

    hashes = set()
    with zf.open(manifest) as mf:
        for number, raw in enumerate(mf, 1):
            try:
                entry = json.loads(raw.decode("utf-8"))
            except ValueError as e:
                problems.append(f"manifest line {number}: not JSON ({e}): line skipped")
                continue
            if not isinstance(entry, dict):
                problems.append(f"manifest line {number}: not an object: line skipped")
                continue
            image_file = entry.get("image_path", entry.get("filename"))
            if not image_file or not isinstance(image_file, str):
                problems.append(f"manifest line {number}: no image_path: line skipped")
                continue
            if "image_path" not in entry:
                problems.append(f"manifest line {number}: image found by filename only")
            found = find(names, image_file)
            if found is None:
                problems.append(f"manifest line {number}: {image_file} not in the ZIP: line skipped")
                continue
            if found != image_file:
                problems.append(f"manifest line {number}: {image_file} resolves to another entry, {found}")
            content = zf.read(found)
            digest = hashlib.sha256(content).hexdigest()
            if digest in hashes:
                problems.append(f"manifest line {number}: duplicate image {image_file}: skipped")
                continue
            if not fits(os.path.basename(image_file), LIMITS["filename"]):
                problems.append(f"manifest line {number}: file name does not fit filename(255): the ZIP is lost")
            for key in ("width", "height"):
                if key not in entry:
                    problems.append(f"manifest line {number}: no {key}: silently {1920 if key == 'width' else 1080}")
                elif not is_int(entry[key]) or not (0 < entry[key] <= INT32_MAX):
                    problems.append(f"manifest line {number}: {key} {entry[key]!r} is not a positive integer: the ZIP is lost or the API breaks")
            action_id = entry.get("action_id")
            if action_id is not None and not fits(action_id, LIMITS["action_id"]):
                problems.append(f"manifest line {number}: action_id does not fit action_id(255): the ZIP is lost")
            action_type = entry.get("action_type")
            if action_type is not None and not fits(action_type, LIMITS["action_type"]):
                problems.append(f"manifest line {number}: action_type does not fit action_type(100): the ZIP is lost")
            states = entry.get("active_states")
            if states is not None and not (isinstance(states, list) and all(isinstance(s, str) for s in states)):
                problems.append(f"manifest line {number}: active_states is not a list of strings")
            if entry.get("timestamp"):
                try:
                    datetime.fromisoformat(entry["timestamp"])
                except (TypeError, ValueError) as e:
                    problems.append(f"manifest line {number}: timestamp {entry['timestamp']!r} is not ISO 8601 ({e}): line skipped")
                    continue
            hashes.add(digest)
            out["images"] += 1
            out["image_names"].append(os.path.basename(found))

            annotation_file = entry.get("annotation_path")
            if not annotation_file:
                continue
            ann_found = find(names, annotation_file)
            if ann_found is None:
                problems.append(f"manifest line {number}: {annotation_file} not in the ZIP: image without boxes")
                continue
            if ann_found != annotation_file:
                problems.append(f"manifest line {number}: {annotation_file} resolves to another entry, {ann_found}")
            doc = json.loads(zf.read(ann_found))
            if not isinstance(doc, dict):
                problems.append(f"{annotation_file}: not an object")
                continue
            if "bbox" in doc:
                problems.append(f"{annotation_file}: a top-level bbox would make the file one box")
            boxes = doc.get("annotations", [doc] if "bbox" in doc else [])
            width, height = entry.get("width", 1920), entry.get("height", 1080)
            for i, ann in enumerate(boxes):
                where = f"{annotation_file} box {i}"
                bbox = ann.get("bbox", ann.get("bounding_box", {}))
                if isinstance(bbox, dict):
                    x, y, w, h = bbox.get("x", 0), bbox.get("y", 0), bbox.get("width", 50), bbox.get("height", 50)
                elif isinstance(bbox, list) and len(bbox) >= 4:
                    x, y, w, h = bbox[:4]
                else:
                    problems.append(f"{where}: bbox {bbox!r} is neither a list nor an object: box skipped")
                    continue
                if not all(is_int(v) for v in (x, y, w, h)):
                    problems.append(f"{where}: bbox {bbox!r} is not integers: int() would truncate it")
                x, y, w, h = int(x), int(y), int(w), int(h)
                if x < 0 or y < 0 or w <= 0 or h <= 0:
                    problems.append(f"{where}: bbox {[x, y, w, h]} has a negative corner or no size: their API breaks")
                if x + w > width or y + h > height:
                    problems.append(f"{where}: bbox {[x, y, w, h]} reaches past the {width}x{height} image")
                if not all(abs(v) <= INT32_MAX for v in (x, y, w, h)):
                    problems.append(f"{where}: bbox does not fit integer columns: the ZIP is lost")
                category_id = ann.get("category_id", 1)
                if not is_int(category_id) or abs(category_id) > INT32_MAX:
                    problems.append(f"{where}: category_id {category_id!r} is not a 32-bit integer: the ZIP is lost")
                category_name = ann.get("category_name", "gui_element")
                if not fits(category_name, LIMITS["category_name"]):
                    problems.append(f"{where}: category_name does not fit category_name(100): the ZIP is lost")
                confidence = ann.get("confidence", 1.0)
                if not is_number(confidence) or not (0 <= confidence <= 1):
                    problems.append(f"{where}: confidence {confidence!r} outside [0, 1]: their API breaks")
                source = ann.get("source", "user_click")
                if source not in SOURCES:
                    problems.append(f"{where}: source {source!r} is not theirs: it would become user_click")
                element_type = ann.get("element_type")
                if element_type and element_type not in ELEMENT_TYPES:
                    problems.append(f"{where}: element_type {element_type!r} is not theirs: it would become unknown")
                verified = ann.get("verified", False)
                if not isinstance(verified, bool):
                    problems.append(f"{where}: verified {verified!r} is not a boolean")
                meta = ann.get("inference_metadata")
                if meta is not None and not isinstance(meta, dict):
                    problems.append(f"{where}: inference_metadata is not an object")
                status = ann.get("review_status", "pending")
                if status not in REVIEW_STATUSES:
                    problems.append(f"{where}: review_status {status!r} is not one of theirs")
                out["annotations"] += 1
                out["review_status"][status] = out["review_status"].get(status, 0) + 1
                out["sources"][source] = out["sources"].get(source, 0) + 1
                out["element_types"][element_type or "NULL"] = out["element_types"].get(element_type or "NULL", 0) + 1
    return out


def api(path):
    """The boxes as their API would list them after the import: pending, enums as the import maps them."""
    zf, _ = read_zip(path)
    names = zf.namelist()
    manifest = next(n for n in names if n.endswith("manifest.jsonl"))
    dataset_id = str(uuid.uuid5(uuid.NAMESPACE_URL, os.path.basename(path)))
    items = []
    with zf.open(manifest) as mf:
        for raw in mf:
            entry = json.loads(raw)
            image_file = entry.get("image_path", entry.get("filename"))
            digest = hashlib.sha256(zf.read(find(names, image_file))).hexdigest()
            image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, dataset_id + digest))
            if not entry.get("annotation_path"):
                continue
            doc = json.loads(zf.read(find(names, entry["annotation_path"])))
            for i, ann in enumerate(doc.get("annotations", [])):
                x, y, w, h = (int(v) for v in ann["bbox"][:4])
                source = ann.get("source", "user_click")
                element_type = ann.get("element_type") or None
                items.append({
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{image_id}/{i}")),
                    "dataset_id": dataset_id,
                    "image_id": image_id,
                    "x": x, "y": y, "width": w, "height": h,
                    "category_id": ann.get("category_id", 1),
                    "category_name": ann.get("category_name", "gui_element"),
                    "confidence": ann.get("confidence", 1.0),
                    "source": source if source in SOURCES else "user_click",
                    "element_type": None if element_type is None else (element_type if element_type in ELEMENT_TYPES else "unknown"),
                    "verified": ann.get("verified", False),
                    "inference_metadata": ann.get("inference_metadata"),
                    "review_status": "pending",  # the import does not read ours
                    "reviewer_notes": None, "reviewed_by": None, "reviewed_at": None,
                    "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00",
                })
    return {"items": items, "total": len(items), "page": 1, "page_size": 500, "total_pages": 1}


if __name__ == "__main__":
    mode, files = sys.argv[1], sys.argv[2:]
    if mode == "check":
        print(json.dumps([check(f) for f in files]))
    elif mode == "api":
        print(json.dumps(api(files[0])))
    else:
        sys.exit(f"unknown mode {mode}")
