/**
 * Sentinel-2 L2A radiometry, the one home of its scale: reflectance = (DN + BOA_ADD_OFFSET) / 10000.
 * Every kernel that turns DNs into reflectance multiplies by L2A_SCALE; src/wasm/block-kernels.as.ts
 * cannot import it and keeps a copy that test/unit/radiometry.test.ts checks against this one.
 */

/** DNs per unit of reflectance (the L2A QUANTIFICATION_VALUE). */
export const L2A_QUANTIFICATION = 10000;

/** The reflectance of one DN: 1 / 10000, the same double as 0.0001 and 1e-4. */
export const L2A_SCALE = 1 / L2A_QUANTIFICATION;
