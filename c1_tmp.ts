import { Command } from "commander"; new Command("x");
