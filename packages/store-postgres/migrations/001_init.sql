-- The dataset store: several datasets per database, each a name; images in a content-addressed
-- blob store (key = sha256), rows here. Applied by applyMigrations() under an advisory lock, in
-- one transaction, and recorded in schema_migrations.

CREATE TABLE datasets (
  id               integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL UNIQUE CHECK (name <> ''),
  -- metadata.json's dataset_version and every annotation file's `version`.
  dataset_version  text NOT NULL,
  description      text NOT NULL DEFAULT 'Training dataset exported from qontinui-runner execution data',
  -- Where the dataset's images are (BlobStore.location when it was created), for messages.
  blob_location    text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Stable, dense, 0-based ids per dataset (metadata.json's category_map): the first writer to
-- name a category gives it the next id (INSERT ... ON CONFLICT DO NOTHING, then SELECT).
CREATE TABLE categories (
  dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  id          integer NOT NULL CHECK (id >= 0),
  name        text NOT NULL,
  PRIMARY KEY (dataset_id, id),
  UNIQUE (dataset_id, name)
);

-- One row per distinct screenshot of a dataset. Its bytes are the blob `sha256`, always stored
-- before this row is committed.
CREATE TABLE images (
  dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  image_id    text NOT NULL CHECK (image_id ~ '^[0-9a-f]{16}$'),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$' AND left(sha256, 16) = image_id),
  byte_size   bigint NOT NULL CHECK (byte_size > 0),
  format      text NOT NULL CHECK (format IN ('png', 'jpeg', 'webp', 'gif')),
  extension   text NOT NULL CHECK (extension IN ('.png', '.jpg', '.webp', '.gif')),
  width       integer NOT NULL CHECK (width > 0),
  height      integer NOT NULL CHECK (height > 0),
  channels    smallint NOT NULL CHECK (channels BETWEEN 1 AND 4),
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, image_id)
);
-- The sweep asks whether any dataset still refers to a blob.
CREATE INDEX images_by_blob ON images (sha256);

-- One row per exported record (a manifest line). key_hash = sha256 of recordKey(): the
-- idempotence key (action_id, image id, attempt_id); a record exported twice lands once.
-- sort_key orders the manifest (see record-order.ts: origin, then position in it); a record stored
-- again from an earlier place takes that place and its fields (has_match and has_click excepted:
-- the counts of dataset_counts stay exact).
CREATE TABLE records (
  dataset_id     integer NOT NULL,
  key_hash       bytea NOT NULL CHECK (length(key_hash) = 32),
  image_id       text NOT NULL,
  sort_key       text COLLATE "C" NOT NULL,
  action_id      text NOT NULL,
  attempt_id     text,
  action_type    text,
  -- start_time, unix seconds (the manifest's `timestamp`).
  "timestamp"    double precision CHECK ("timestamp" > '-Infinity' AND "timestamp" < 'Infinity'),
  -- active_states_before, sorted (the manifest's `active_states`).
  active_states  text[] NOT NULL,
  success        boolean,
  has_match      boolean NOT NULL,
  has_click      boolean NOT NULL,
  -- The manifest entry's `source` ("runner_execution").
  source         text NOT NULL,
  -- Who wrote the row (host:pid, or what the writer was given).
  runner_id      text,
  reviewed       boolean NOT NULL DEFAULT false,
  added_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, key_hash),
  FOREIGN KEY (dataset_id, image_id) REFERENCES images (dataset_id, image_id) ON DELETE CASCADE
);
CREATE INDEX records_in_order ON records (dataset_id, sort_key);
CREATE INDEX records_by_image ON records (dataset_id, image_id, sort_key);

-- One row per distinct box of an image: identity = boxIdentity(bbox, category_id), the rule the
-- on-disk writer and merge keep a box once by. first_sort_key / first_index: the first record (in
-- record order) that brought the box, and the box's place in that record's list; the box's
-- fields are that record's.
CREATE TABLE annotations (
  dataset_id          integer NOT NULL,
  image_id            text NOT NULL,
  identity            text NOT NULL,
  -- Finite numbers only (in PostgreSQL NaN sorts above Infinity): every value reads back as JSON.
  x                   double precision NOT NULL CHECK (x > '-Infinity' AND x < 'Infinity'),
  y                   double precision NOT NULL CHECK (y > '-Infinity' AND y < 'Infinity'),
  width               double precision NOT NULL CHECK (width > 0 AND width < 'Infinity'),
  height              double precision NOT NULL CHECK (height > 0 AND height < 'Infinity'),
  category_id         integer NOT NULL,
  confidence          double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  source              text NOT NULL,
  verified            boolean NOT NULL,
  clipped             boolean NOT NULL DEFAULT false,
  -- json, not jsonb: kept as written, key order included (exports are byte-compared).
  inference_metadata  json,
  review_status       text NOT NULL DEFAULT 'pending' CHECK (review_status IN ('pending', 'approved', 'rejected', 'flagged')),
  first_sort_key      text COLLATE "C" NOT NULL,
  first_index         integer NOT NULL,
  added_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, image_id, identity),
  FOREIGN KEY (dataset_id, image_id) REFERENCES images (dataset_id, image_id) ON DELETE CASCADE,
  FOREIGN KEY (dataset_id, category_id) REFERENCES categories (dataset_id, id)
);
CREATE INDEX annotations_in_order ON annotations (dataset_id, image_id, first_sort_key, first_index);

-- Where records came from (see record-order.ts): a shard ingested, a pipeline writer's session.
-- origin_key is the prefix of its records' sort keys. categories: its category names in the order
-- of its own ids (the shard's category_map, the session's registry), which merge gives ids to
-- before the origin's records.
CREATE TABLE origins (
  dataset_id  integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  origin_key  text COLLATE "C" NOT NULL,
  origin      text NOT NULL,
  categories  text[] NOT NULL,
  runner_id   text,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, origin_key)
);

-- What each committed batch added (one row per batch, insert-only, so writers never wait for each
-- other here): a dataset's totals are the sums, at a cost that grows with its batches, not its
-- rows. validateStore counts the rows and compares.
CREATE TABLE dataset_counts (
  dataset_id   integer NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  images       bigint NOT NULL,
  records      bigint NOT NULL,
  annotations  bigint NOT NULL,
  matches      bigint NOT NULL,
  clicks       bigint NOT NULL,
  added_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dataset_counts_by_dataset ON dataset_counts (dataset_id);
