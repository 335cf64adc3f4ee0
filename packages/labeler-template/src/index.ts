export { TEMPLATE_SOURCE, templateLabeler, type TemplateLabelerOptions, TemplateProblemReason } from "./template-labeler.js";
