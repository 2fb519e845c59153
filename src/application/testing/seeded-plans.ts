// The rows the migration (prisma/migrations/*_plans_and_catalogue) seeds, for the in-memory
// tables; the plans contract suite checks that the database holds exactly these.
import type { CatalogueService, Plan } from "../ports/plans.js";

export const SEEDED_PLANS: readonly Plan[] = [
  { code: "anonym", name: "Anonymous", dailyLimit: 1, unlimited: false },
  { code: "free", name: "Free", dailyLimit: 50, unlimited: false },
  { code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false },
  { code: "enterprise", name: "Enterprise", dailyLimit: 0, unlimited: true },
];

export const SEEDED_SERVICES: readonly CatalogueService[] = [
  { code: "3dbinpacking", name: "3D Bin Packing", description: "Packs boxes into containers and returns the 3D placement of every item." },
  { code: "cvmaker", name: "CV Maker", description: "Builds a formatted curriculum vitae from structured profile data." },
  { code: "jobportal", name: "Job Portal", description: "Searches and publishes job offers and tracks applications." },
  {
    code: "media_information",
    name: "Media Information",
    description: "Extracts technical metadata (codecs, duration, resolution) from media files.",
  },
  { code: "pdf_tools", name: "PDF Tools", description: "Merges, splits, compresses and converts PDF documents." },
  { code: "translator", name: "Translator", description: "Translates text between languages." },
  { code: "image_resizer", name: "Image Resizer", description: "Resizes, crops and converts images." },
  { code: "ocr", name: "OCR", description: "Recognizes the text in scanned documents and images." },
  { code: "speech_to_text", name: "Speech to Text", description: "Transcribes audio recordings into text." },
  { code: "url_shortener", name: "URL Shortener", description: "Creates short links and counts their visits." },
];
