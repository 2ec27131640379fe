/** Model zoo: plain compositions of public layers. */
export {};
