//! What each dataset needs from Debian, and what to do where there is no apt.
//! `reprise data install` runs `apt-get` with these lists; nothing else is downloaded.

/// A named set of Debian packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackageSet {
    /// Name given to `reprise data install`.
    pub name: &'static str,
    /// Debian packages.
    pub packages: &'static [&'static str],
    /// What the set is for.
    pub purpose: &'static str,
}

/// The package sets, smallest first.
pub const PACKAGE_SETS: [PackageSet; 3] = [
    PackageSet {
        name: "minimal",
        packages: &["timgm6mb-soundfont"],
        purpose: "the Tim family only (6 MB): enough for the tests and a small notes kit",
    },
    PackageSet {
        name: "soundfonts",
        packages: &[
            "timgm6mb-soundfont",
            "fluid-soundfont-gm",
            "musescore-general-soundfont-small",
            "csound-soundfont",
            "fluidr3mono-gm-soundfont",
            "freepats",
        ],
        purpose: "the Fluid, Tim and freepats families (about 215 MB of .debs): the notes and phrases kits and the cross-family protocol",
    },
    PackageSet {
        name: "corpora",
        packages: &["mma"],
        purpose: "the drum-groove generator of scripts/data/drum_corpus.py; the recipes fetch their data packages themselves with apt-get download",
    },
];

/// Looks a set up by name.
pub fn package_set(name: &str) -> Option<&'static PackageSet> {
    PACKAGE_SETS.iter().find(|s| s.name == name)
}

/// What to do on a machine without apt, for the SoundFonts.
pub const WITHOUT_APT: &str = "\
Without apt, get the SoundFont files by hand and put them in one folder named by the
environment variable REPRISE_SOUNDFONTS (Reprise looks there first):
  TimGM6mb.sf2       (GPL-2, Tim Brechbill): Debian package timgm6mb-soundfont, or the
                     PyPI wheel of pretty_midi (`pip download pretty_midi --no-deps`,
                     unzip, file pretty_midi/TimGM6mb.sf2; a slightly different build)
  FluidR3_GM.sf2     (MIT, Frank Wen): Debian package fluid-soundfont-gm, or your
                     distribution's fluid-soundfont / fluidr3_gm package
  MuseScore_General_Lite.sf3 or MuseScore_General.sf3 (MIT): MuseScore's own downloads
  sf_GMbank.sf2      (public domain): csound's soundfont package
  freepats.cfg       (GPL-2+ with an exception): the freepats GUS patches
                     (Debian package freepats, or the freepats archive); the .cfg is
                     TiMidity's, and its `dir` line must point at the .pat folders
Any other SF2/SF3 works too: pass it as --soundfont FAMILY=PATH.";
