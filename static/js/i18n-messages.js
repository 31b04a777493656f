// Every interface string, by language.
import { en } from "./i18n-en.js";
import { zh } from "./i18n-zh.js";

export const MESSAGES = { en, "zh-CN": zh };
