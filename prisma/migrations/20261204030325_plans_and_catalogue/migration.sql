-- CreateTable
CREATE TABLE "plans" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "daily_limit" INTEGER NOT NULL,
    "unlimited" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "catalogue_services" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "catalogue_services_pkey" PRIMARY KEY ("code")
);

-- Seed (idempotent): the plans and the catalogue. ON CONFLICT DO NOTHING, so running it again
-- changes nothing and an operator's later edits (a renamed plan, a changed limit) are kept.
-- Before the foreign key below: every existing user is on "free", which must exist by then.
INSERT INTO "plans" ("code", "name", "daily_limit", "unlimited") VALUES
    ('anonym', 'Anonymous', 1, false),
    ('free', 'Free', 50, false),
    ('pro', 'Pro', 1000, false),
    ('enterprise', 'Enterprise', 0, true)
ON CONFLICT ("code") DO NOTHING;

INSERT INTO "catalogue_services" ("code", "name", "description") VALUES
    ('3dbinpacking', '3D Bin Packing', 'Packs boxes into containers and returns the 3D placement of every item.'),
    ('cvmaker', 'CV Maker', 'Builds a formatted curriculum vitae from structured profile data.'),
    ('jobportal', 'Job Portal', 'Searches and publishes job offers and tracks applications.'),
    ('media_information', 'Media Information', 'Extracts technical metadata (codecs, duration, resolution) from media files.'),
    ('pdf_tools', 'PDF Tools', 'Merges, splits, compresses and converts PDF documents.'),
    ('translator', 'Translator', 'Translates text between languages.'),
    ('image_resizer', 'Image Resizer', 'Resizes, crops and converts images.'),
    ('ocr', 'OCR', 'Recognizes the text in scanned documents and images.'),
    ('speech_to_text', 'Speech to Text', 'Transcribes audio recordings into text.'),
    ('url_shortener', 'URL Shortener', 'Creates short links and counts their visits.')
ON CONFLICT ("code") DO NOTHING;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_plan_fkey" FOREIGN KEY ("plan") REFERENCES "plans"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
