# SPDX-License-Identifier: Apache-2.0
# Regenerates the sample into the build folder and fails unless it equals the
# committed file byte for byte. Run: cmake -DGENERATOR=... -DOUT=... -DCOMMITTED=... -P check_sample.cmake
execute_process(COMMAND ${GENERATOR} ${OUT} --keys ${OUT}.keys RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_sample failed (exit ${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${COMMITTED} RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "${COMMITTED} differs from what make_sample writes (${OUT}); "
                      "if the change is intended, copy ${OUT} over it")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.keys ${COMMITTED_KEYS} RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "${COMMITTED_KEYS} differs from the key table make_sample writes (${OUT}.keys)")
endif()
