export { convertCsv, type ConvertCsvOptions, CSV_HEADER, csvField, type CsvSummary, csvWriter, type CsvWriterOptions } from "./csv-writer.js";
export { csvFormat } from "./csv-format.js";
