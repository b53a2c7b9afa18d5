//! Writes a CAE run's best weights as a model folder that Reprise can ship or share:
//! `model.json` and float16 `weights.safetensors` (`reprise::cae::export`).
//!
//!     cargo run --release -p reprise --example export_cae -- RUN_DIR OUT_DIR
//!
//! `scripts/train_cae.sh` uses it to write `crates/reprise/models/cae-piano/`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [run, out] = args.as_slice() else {
        eprintln!("usage: export_cae RUN_DIR OUT_DIR");
        std::process::exit(2);
    };
    match reprise::cae::export(run.as_ref(), out.as_ref()) {
        Ok(err) => println!("wrote {out}/model.json and {out}/weights.safetensors (float16; largest rounding {err:.2e})"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
