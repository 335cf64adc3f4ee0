export { capturesSource } from "./captures-source.js";
