import { ConfigError } from "./errors.js";

export interface Category {
  /** 0-based, stable once given. */
  id: number;
  name: string;
}

/**
 * Category name → id, stable across sessions (persisted by the intermediate
 * writer in metadata.json as `category_map`). Ids are 0-based and dense in
 * the order names were first seen; each writer maps them to its format's
 * convention (COCO 1-based by default, YOLO 0-based).
 */
export class CategoryRegistry {
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];

  /** Restores a registry from a seed-style `category_map` ({name: id}). */
  static fromCategoryMap(map: Record<string, number>): CategoryRegistry {
    const reg = new CategoryRegistry();
    reg.load(map);
    return reg;
  }

  /** Merges a persisted map in. Ids must be 0-based, dense and agree with what is known. */
  load(map: Record<string, number>): void {
    const entries = Object.entries(map).sort((a, b) => a[1] - b[1]);
    for (const [name, id] of entries) {
      if (!Number.isInteger(id) || id < 0) {
        throw new ConfigError(`category_map: id of "${name}" is ${id}; ids must be integers ≥ 0`);
      }
      const known = this.byName.get(name);
      if (known !== undefined) {
        if (known !== id) throw new ConfigError(`category_map: "${name}" has id ${id} but the registry already gave it ${known}`);
        continue;
      }
      if (this.names[id] !== undefined) {
        throw new ConfigError(`category_map: id ${id} is given to both "${this.names[id]}" and "${name}"`);
      }
      this.names[id] = name;
      this.byName.set(name, id);
    }
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === undefined) throw new ConfigError(`category_map: ids are not dense (no category has id ${i})`);
    }
  }

  /** The id of `name`, giving it the next id when it is new. */
  idFor(name: string): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.byName.set(name, id);
    }
    return id;
  }

  get(name: string): number | undefined {
    return this.byName.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.names[id];
  }

  get size(): number {
    return this.names.length;
  }

  /** Categories in id order. */
  list(): Category[] {
    return this.names.map((name, id) => ({ id, name }));
  }

  /** The seed's `category_map` ({name: id}), in id order. */
  toCategoryMap(): Record<string, number> {
    // fromEntries defines own properties: a category called "__proto__" is a key, not the prototype
    // (an assignment would have dropped it from metadata.json).
    return Object.fromEntries(this.names.map((name, id) => [name, id]));
  }
}
