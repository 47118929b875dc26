<?php
/**
 * The storefront-button form: capability → nonce → sanitize → validate → save; escaped output.
 *
 * @package Sapa
 */

/**
 * Settings form and settings page.
 */
class SettingsFormTest extends Sapa_Test_Case {

	/**
	 * A valid form.
	 *
	 * @return array
	 */
	private function valid_fields() {
		return array(
			'button_label'     => 'Tanya kami',
			'message'          => 'Halo, saya mau tanya & pesan',
			'position'         => 'left',
			'pages'            => 'except',
			'page_ids'         => '12, 40',
			'hide_on_checkout' => '1',
		);
	}

	public function test_admin_with_valid_nonce_saves_the_settings() {
		$this->as_admin();
		$location = $this->post_form( 'sapa_save_settings', $this->valid_fields() );

		$this->assertSame( admin_url( 'options-general.php?page=sapa' ), $location );
		$saved = get_option( Sapa_Options::SETTINGS );
		$this->assertSame( 'Tanya kami', $saved['button_label'] );
		$this->assertSame( 'Halo, saya mau tanya & pesan', $saved['message'] );
		$this->assertSame( 'left', $saved['position'] );
		$this->assertSame( 'except', $saved['pages'] );
		$this->assertSame( array( 12, 40 ), $saved['page_ids'] );
		$this->assertTrue( $saved['hide_on_checkout'] );
		$this->assertSame( 'success', Sapa_Notices::peek()[0]['type'] );
	}

	public function test_subscriber_with_a_valid_nonce_is_refused_and_nothing_is_saved() {
		$before = get_option( Sapa_Options::SETTINGS );
		wp_set_current_user( $this->make_user( 'subscriber' ) );
		try {
			$this->post_form( 'sapa_save_settings', $this->valid_fields() );
			$this->fail( 'a subscriber saved the settings' );
		} catch ( Sapa_Test_Die $die ) {
			$this->assertSame( 403, $die->getCode() );
		}
		wp_cache_flush();
		$this->assertSame( $before, get_option( Sapa_Options::SETTINGS ) );
	}

	public function test_shop_manager_like_editor_is_refused() {
		wp_set_current_user( $this->make_user( 'editor' ) );
		$this->expectException( Sapa_Test_Die::class );
		$this->expectExceptionCode( 403 );
		$this->post_form( 'sapa_save_settings', $this->valid_fields() );
	}

	public function test_admin_without_a_valid_nonce_is_refused_and_nothing_is_saved() {
		$before = get_option( Sapa_Options::SETTINGS );
		$this->as_admin();
		foreach ( array( '', 'not-a-nonce', wp_create_nonce( 'sapa_connect' ) ) as $nonce ) {
			try {
				$this->post_form( 'sapa_save_settings', $this->valid_fields(), $nonce );
				$this->fail( 'saved with nonce ' . var_export( $nonce, true ) );
			} catch ( Sapa_Test_Die $die ) {
				$this->assertSame( 403, $die->getCode() );
			}
		}
		wp_cache_flush();
		$this->assertSame( $before, get_option( Sapa_Options::SETTINGS ) );
	}

	public function test_a_nonce_made_for_another_user_is_refused() {
		wp_set_current_user( $this->make_user( 'administrator' ) );
		$foreign = wp_create_nonce( 'sapa_save_settings' );
		$this->as_admin();
		$this->expectException( Sapa_Test_Die::class );
		$this->post_form( 'sapa_save_settings', $this->valid_fields(), $foreign );
	}

	/**
	 * @dataProvider every_form
	 */
	public function test_every_form_refuses_missing_capability_or_nonce_before_doing_anything( $action ) {
		$this->given_connected();
		$options_before = array_map( array( $this, 'option_row' ), array( Sapa_Options::SETTINGS, Sapa_Options::CONNECTION, Sapa_Options::API_KEY ) );
		$attempts       = array(
			'subscriber, valid nonce' => array( $this->make_user( 'subscriber' ), null ),
			'admin, no nonce'         => array( 1, '' ),
			'admin, foreign nonce'    => array( 1, 'forged' ),
		);
		foreach ( $attempts as $label => list( $user, $nonce ) ) {
			wp_set_current_user( $user );
			try {
				$this->post_form( $action, array( 'whatsapp_mode' => 'provision' ), $nonce );
				$this->fail( "$action accepted: $label" );
			} catch ( Sapa_Test_Die $die ) {
				$this->assertSame( 403, $die->getCode(), $label );
			}
		}
		$this->assertSame( array(), $this->requests, 'Sapa was never called' );
		wp_cache_flush();
		$this->assertSame( $options_before, array_map( array( $this, 'option_row' ), array( Sapa_Options::SETTINGS, Sapa_Options::CONNECTION, Sapa_Options::API_KEY ) ) );
	}

	public function every_form() {
		return array(
			'settings'   => array( 'sapa_save_settings' ),
			'connect'    => array( 'sapa_connect' ),
			'disconnect' => array( 'sapa_disconnect' ),
			'sender'     => array( 'sapa_whatsapp' ),
		);
	}

	/**
	 * @dataProvider invalid_fields
	 */
	public function test_invalid_values_save_nothing_and_explain( $field, $value ) {
		$before = get_option( Sapa_Options::SETTINGS );
		$this->as_admin();
		$fields           = $this->valid_fields();
		$fields[ $field ] = $value;
		$this->post_form( 'sapa_save_settings', $fields );

		wp_cache_flush();
		$this->assertSame( $before, get_option( Sapa_Options::SETTINGS ) );
		$notices = Sapa_Notices::peek();
		$this->assertNotEmpty( $notices );
		$this->assertSame( 'error', $notices[0]['type'] );
	}

	public function invalid_fields() {
		return array(
			'position top'         => array( 'position', 'top' ),
			'pages unknown'        => array( 'pages', 'some' ),
			'page ids not numbers' => array( 'page_ids', '12, abc' ),
			'empty label'          => array( 'button_label', '   ' ),
			'label too long'       => array( 'button_label', str_repeat( 'x', 61 ) ),
			'message too long'     => array( 'message', str_repeat( 'x', 501 ) ),
		);
	}

	public function test_only_mode_needs_page_ids() {
		$this->as_admin();
		$fields             = $this->valid_fields();
		$fields['pages']    = 'only';
		$fields['page_ids'] = '';
		$this->post_form( 'sapa_save_settings', $fields );
		$this->assertSame( 'error', Sapa_Notices::peek()[0]['type'] );
	}

	public function test_tags_are_stripped_when_saving() {
		$this->as_admin();
		$fields                 = $this->valid_fields();
		$fields['button_label'] = 'Chat <script>alert(1)</script>now';
		$this->post_form( 'sapa_save_settings', $fields );
		$this->assertStringNotContainsString( '<script>', get_option( Sapa_Options::SETTINGS )['button_label'] );
	}

	public function test_settings_page_escapes_stored_values() {
		// Stored directly, as if written by another plugin or an import: output must still be escaped.
		update_option(
			Sapa_Options::SETTINGS,
			array_merge(
				Sapa_Options::default_settings(),
				array(
					'button_label' => '"><script>alert("label")</script>',
					'message'      => '</textarea><script>alert("message")</script>',
				)
			)
		);
		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );

		$this->assertStringNotContainsString( '<script>alert', $html );
		$this->assertStringContainsString( '&quot;&gt;&lt;script&gt;alert(&quot;label&quot;)&lt;/script&gt;', $html );
		$this->assertStringContainsString( '&lt;/textarea&gt;&lt;script&gt;alert(&quot;message&quot;)&lt;/script&gt;', $html );
	}

	public function test_connected_page_escapes_what_sapa_sent_and_never_prints_secrets() {
		$this->given_connected( '+6281100000001' );
		Sapa_Options::update_connection( array( 'store_id' => '<img src=x onerror=alert(1)>' ) );
		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );

		$this->assertStringNotContainsString( '<img src=x', $html );
		$this->assertStringContainsString( '&lt;img src=x onerror=alert(1)&gt;', $html );
		$this->assertStringNotContainsString( self::API_KEY, $html, 'the API key is never printed' );
		$this->assertStringContainsString( '...' . substr( self::API_KEY, -4 ), $html, 'only its last four characters' );
		$this->assertMatchesRegularExpression( '/name="sapa\[twilio_auth_token\]" value=""/', $html, 'the Twilio token field is write-only' );
		$this->assertStringContainsString( 'name="_wpnonce"', $html );
	}

	public function test_status_script_is_enqueued_on_the_sapa_screen_when_connected_only() {
		$this->as_admin();
		$page = new Sapa_Settings_Page();

		$page->enqueue( 'settings_page_sapa' );
		$this->assertFalse( wp_script_is( 'sapa-admin', 'enqueued' ), 'not before connecting' );

		$this->given_connected();
		$page->enqueue( 'index.php' );
		$this->assertFalse( wp_script_is( 'sapa-admin', 'enqueued' ), 'not on other screens' );

		$page->enqueue( 'settings_page_sapa' );
		$this->assertTrue( wp_script_is( 'sapa-admin', 'enqueued' ) );
		$data = wp_scripts()->get_data( 'sapa-admin', 'data' );
		// WordPress 6.1 escapes the slashes in the JSON, 7.1 does not.
		$this->assertStringContainsString( 'sapa/v1/status', str_replace( '\\/', '/', $data ) );
		$this->assertStringNotContainsString( self::API_KEY, $data, 'the browser never gets the API key' );
	}

	public function test_page_renders_nothing_for_users_without_the_capability() {
		wp_set_current_user( $this->make_user( 'subscriber' ) );
		$this->assertSame( '', $this->capture( array( new Sapa_Settings_Page(), 'render' ) ) );
	}

	public function test_notices_are_escaped_and_shown_once_on_the_sapa_screen_only() {
		$this->as_admin();
		Sapa_Notices::add( 'error', 'Sapa said: <b onmouseover=x>bad</b>' );
		$page = new Sapa_Settings_Page();

		set_current_screen( 'dashboard' );
		$this->assertSame( '', $this->capture( array( $page, 'render_notices' ) ) );

		set_current_screen( 'settings_page_sapa' );
		$html = $this->capture( array( $page, 'render_notices' ) );
		$this->assertStringContainsString( 'notice-error', $html );
		$this->assertStringContainsString( 'Sapa said: &lt;b onmouseover=x&gt;bad&lt;/b&gt;', $html );
		$this->assertSame( '', $this->capture( array( $page, 'render_notices' ) ), 'shown once' );
	}
}
