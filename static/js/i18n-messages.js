// Every interface string, by language.
import { ar } from "./i18n-ar.js";
import { en } from "./i18n-en.js";
import { es } from "./i18n-es.js";
import { zh } from "./i18n-zh.js";

export const MESSAGES = { en, "zh-CN": zh, es, ar };
