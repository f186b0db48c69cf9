/**
 * The cdktf app: synthesizes `bootstrap` and every environment's stacks.
 *
 *   pnpm synth            -> cdktf.out/ (replaced only when the whole synth succeeds)
 *   cdktf synth / deploy  -> the CLI runs this file (see cdktf.json)
 *
 * Config is validated before any construct exists. On invalid input this prints every problem
 * and exits 1, and the previous cdktf.out is left exactly as it was.
 */
import { platform } from "./platform";
import { runSynthCli } from "./shared/synth";

runSynthCli(platform);
