"""A minimal stand-in for pycocotools.coco.COCO, used only when pycocotools is not installed.

pycocotools is not packaged in Debian bookworm and PyPI is not reachable here, but torchvision's
CocoDetection imports `pycocotools.coco.COCO`. This class gives the part of its documented API that
CocoDetection and this check call (an index of images, annotations and categories; getAnnIds,
getImgIds, getCatIds, loadAnns, loadImgs, loadCats). It is our own code, written from that API, and
strict where pycocotools' index would break: every annotation needs an id, an image_id and a
category_id, every image and category an id, ids unique. Install pycocotools to check against the
real one; the check says which it used.
"""

import json
from collections import defaultdict


class COCO:
    def __init__(self, annotation_file=None):
        self.dataset, self.anns, self.cats, self.imgs = {}, {}, {}, {}
        self.imgToAnns, self.catToImgs = defaultdict(list), defaultdict(list)
        if annotation_file is not None:
            with open(annotation_file, encoding="utf-8") as f:
                dataset = json.load(f)
            if not isinstance(dataset, dict):
                raise TypeError(f"annotation file format {type(dataset).__name__} not supported")
            self.dataset = dataset
            self.createIndex()

    def createIndex(self):
        for key, table in (("images", self.imgs), ("categories", self.cats)):
            for item in self.dataset.get(key, []):
                if item["id"] in table:
                    raise ValueError(f"{key}: id {item['id']} appears twice")
                table[item["id"]] = item
        for ann in self.dataset.get("annotations", []):
            if ann["id"] in self.anns:
                raise ValueError(f"annotations: id {ann['id']} appears twice")
            self.anns[ann["id"]] = ann
            self.imgToAnns[ann["image_id"]].append(ann)
            self.catToImgs[ann["category_id"]].append(ann["image_id"])

    @staticmethod
    def _list(ids):
        return list(ids) if isinstance(ids, (list, tuple, set)) else [ids]

    def getAnnIds(self, imgIds=[], catIds=[], areaRng=[], iscrowd=None):  # noqa: B006 (the documented signature)
        imgIds, catIds = self._list(imgIds), self._list(catIds)
        anns = [a for i in imgIds for a in self.imgToAnns[i]] if imgIds else list(self.anns.values())
        if catIds:
            anns = [a for a in anns if a["category_id"] in catIds]
        if areaRng:
            anns = [a for a in anns if areaRng[0] < a["area"] < areaRng[1]]
        if iscrowd is not None:
            anns = [a for a in anns if a["iscrowd"] == iscrowd]
        return [a["id"] for a in anns]

    def getCatIds(self, catNms=[], supNms=[], catIds=[]):  # noqa: B006
        cats = list(self.cats.values())
        if catNms:
            cats = [c for c in cats if c["name"] in self._list(catNms)]
        if supNms:
            cats = [c for c in cats if c.get("supercategory") in self._list(supNms)]
        if catIds:
            cats = [c for c in cats if c["id"] in self._list(catIds)]
        return [c["id"] for c in cats]

    def getImgIds(self, imgIds=[], catIds=[]):  # noqa: B006
        ids = set(self._list(imgIds)) if imgIds else set(self.imgs)
        for c in self._list(catIds):
            ids &= set(self.catToImgs[c])
        return list(ids)

    def loadAnns(self, ids=[]):  # noqa: B006
        return [self.anns[i] for i in self._list(ids)]

    def loadCats(self, ids=[]):  # noqa: B006
        return [self.cats[i] for i in self._list(ids)]

    def loadImgs(self, ids=[]):  # noqa: B006
        return [self.imgs[i] for i in self._list(ids)]
